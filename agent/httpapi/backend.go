package httpapi

import (
	"context"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/serf/coordinate"
)

// Agent is what the HTTP API needs from the running agent. It is declared
// here, where it is consumed, so handlers can be tested against a fake.
type Agent interface {
	Local
	Keyring
	Events

	// RPC sends a catalog.Method* call to the servers (or serves it in
	// process on a server). args and reply are the types catalog/methods.go
	// names. Datacenter and token travel inside args.
	RPC(ctx context.Context, method string, args, reply interface{}) error

	// Authorize returns what a token may do, for the agent's own
	// endpoints: acl.AllowAll() when ACLs are off, catalog.ErrACLNotFound
	// for an unknown token.
	Authorize(token string) (acl.Authorizer, error)

	// Self describes the local agent for /v1/agent/self.
	Self() Self

	// Members lists the LAN pool, failed and left members included.
	Members() []lan.Member

	// Join asks the local agent to join the LAN pool through addrs and
	// returns how many it reached.
	Join(addrs []string) (int, error)

	// Leave leaves the pool gracefully and shuts the agent down.
	Leave() error

	// ForceLeave moves a failed member to left; prune forgets it at once.
	ForceLeave(node string, prune bool) error

	// WANMembers lists the WAN pool (member names "NODE.DC"); empty on
	// a client agent, which is in none.
	WANMembers() []lan.Member
	// JoinWAN and ForceLeaveWAN are Join and ForceLeave on the WAN pool;
	// a client agent refuses them with an error saying only servers may.
	JoinWAN(addrs []string) (int, error)
	ForceLeaveWAN(node string, prune bool) error

	// SetAgentToken replaces one of the agent's own ACL tokens (PUT
	// /v1/agent/token/:kind): "default", "agent", "agent_recovery",
	// "replication", "dns", "config_file_service_registration", or a
	// legacy name ("agent_master", "acl_token", "acl_agent_token",
	// "acl_agent_master_token", "acl_replication_token"). An unknown kind
	// is a *catalog.BadRequest; catalog.ErrACLDisabled when ACLs are off.
	SetAgentToken(kind, token string) error
}

// Self is the local agent's description.
type Self struct {
	Datacenter string
	// PrimaryDatacenter owns the ACL objects (primary_datacenter; the
	// local datacenter when unset).
	PrimaryDatacenter string
	NodeName          string
	NodeID            string
	Server            bool
	Version           string
	Revision          string
	Member            lan.Member
	// Stats groups string values by subsystem, as `concord info` prints
	// them: "agent", "raft", "serf_lan", "build", "runtime", "consul".
	Stats map[string]map[string]string
	// DebugConfig is the effective configuration, secrets removed.
	DebugConfig map[string]interface{}
	StartedAt   time.Time
	// Coord is the agent's LAN network coordinate, nil when disabled.
	Coord *coordinate.Coordinate
}

// Local is the agent's own node: the services and checks it registers and
// runs, kept in step with the catalog by anti-entropy (agent/local). Safe for
// concurrent use. Errors: catalog.ErrNotFound (wrapped, with a message naming
// the ID) for an unknown service or check ID; *catalog.BadRequest for invalid
// input (answered 400 with its text).
type Local interface {
	// LocalServices lists the services registered on this agent, sorted by ID.
	LocalServices() []*catalog.NodeService
	// LocalChecks lists this agent's checks (including maintenance checks),
	// sorted by CheckID. Node is the agent's node name; ServiceName and
	// ServiceTags are filled for service checks; Type is the check kind
	// ("http", "ttl", ...; "maintenance" for maintenance checks).
	LocalChecks() []*catalog.HealthCheck
	// RegisterService adds or replaces a service with its checks. The
	// checks' ServiceID is the service's ID.
	RegisterService(svc *catalog.NodeService, chks []checks.Spec, opts RegisterOptions) error
	DeregisterService(id string) error
	// RegisterCheck adds or replaces one check (a node check when ServiceID is "").
	RegisterCheck(spec checks.Spec, opts RegisterOptions) error
	DeregisterCheck(id string) error
	// UpdateTTLCheck sets a TTL check's status (passing, warning or critical)
	// and output. Not a TTL check: *catalog.BadRequest.
	UpdateTTLCheck(id, status, output string) error
	// ServiceMaintenance puts a service in (or out of) maintenance: a
	// critical check "_service_maintenance:<id>" with reason as its notes.
	ServiceMaintenance(id string, enable bool, reason string) error
	// NodeMaintenance does the same for the whole node ("_node_maintenance").
	NodeMaintenance(enable bool, reason string)
	// Reload re-reads the agent's configuration files.
	Reload() error
}

// RegisterOptions qualify a registration through the API.
type RegisterOptions struct {
	// ReplaceExistingChecks removes the service's checks not in this request.
	ReplaceExistingChecks bool
	// Token is the request's ACL token, kept with the registration for
	// anti-entropy.
	Token string
}
