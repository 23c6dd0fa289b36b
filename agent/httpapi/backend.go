package httpapi

import (
	"context"
	"time"

	"github.com/concord-dev/concord/lan"
)

// Agent is what the HTTP API needs from the running agent. It is declared
// here, where it is consumed, so handlers can be tested against a fake.
type Agent interface {
	// RPC sends a catalog.Method* call to the servers (or serves it in
	// process on a server). args and reply are the types catalog/methods.go
	// names. Datacenter and token travel inside args.
	RPC(ctx context.Context, method string, args, reply interface{}) error

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
}

// Self is the local agent's description.
type Self struct {
	Datacenter string
	NodeName   string
	NodeID     string
	Server     bool
	Version    string
	Revision   string
	Member     lan.Member
	// Stats groups string values by subsystem, as `concord info` prints
	// them: "agent", "raft", "serf_lan", "build", "runtime", "consul".
	Stats map[string]map[string]string
	// DebugConfig is the effective configuration, secrets removed.
	DebugConfig map[string]interface{}
	StartedAt   time.Time
}

// RegisterOptions qualify a registration through the API.
type RegisterOptions struct {
	// ReplaceExistingChecks removes the service's checks not in this request.
	ReplaceExistingChecks bool
	// Token is the request's ACL token, kept with the registration for
	// anti-entropy.
	Token string
}
