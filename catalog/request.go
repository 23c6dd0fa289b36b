package catalog

import "time"

// QueryOptions travel with every read, from the HTTP layer through RPC
// forwarding to the server that answers. Token and Datacenter ride along
// even before ACLs and federation use them, so neither needs a new path.
type QueryOptions struct {
	Datacenter        string
	Token             string
	MinQueryIndex     uint64        // block until the result's index exceeds this
	MaxQueryTime      time.Duration // how long to block at most
	AllowStale        bool          // any server may answer from its own state
	RequireConsistent bool          // the leader confirms with a quorum first
	// Filter is a go-bexpr expression over the reply's items, evaluated
	// by the server that answers, after the read; empty keeps everything.
	Filter string
	// Near sorts the answer by estimated round trip from this node (the
	// HTTP layer resolves ?near=_agent to its own node); nodes without a
	// coordinate go last. Only node lists and service instances sort.
	Near string
}

// QueryMeta comes back with every read.
type QueryMeta struct {
	Index       uint64
	KnownLeader bool
	LastContact time.Duration
	// ResultsFilteredByACLs: the token could not read some of what the
	// query matched, and it was left out.
	ResultsFilteredByACLs bool
}

// WriteRequest carries the fields every write has.
type WriteRequest struct {
	Datacenter string
	Token      string
}

// DCRequest is a read that needs nothing but the datacenter.
type DCRequest struct {
	QueryOptions
}

// RegisterRequest adds or updates a node and optionally one service and
// its checks (the body of PUT /v1/catalog/register).
type RegisterRequest struct {
	WriteRequest
	ID              string
	Node            string
	Address         string
	TaggedAddresses map[string]string
	NodeMeta        map[string]string
	Service         *NodeService
	Check           *HealthCheck
	Checks          HealthChecks
	SkipNodeUpdate  bool
}

// DeregisterRequest removes a node, or one service or check of it.
type DeregisterRequest struct {
	WriteRequest
	Node      string
	ServiceID string
	CheckID   string
}

// ServiceRequest reads the instances of one service.
type ServiceRequest struct {
	QueryOptions
	ServiceName string
	Tags        []string // every tag must be present
	// NodeMetaFilters keeps instances whose node has every pair.
	NodeMetaFilters map[string]string
	// PassingOnly keeps instances whose every check, the node's included,
	// is passing (Health.ServiceNodes only).
	PassingOnly bool
	// NotModifiedIndex, when not zero, is the index of an answer the
	// caller holds for these same arguments. If the answer's index is
	// still that one, the server may reply with NotModified set and no
	// Nodes (Health.ServiceNodes only): the same index means the same
	// answer, because every write that changes it raises the index.
	NotModifiedIndex uint64
}

// NodeRequest reads one node.
type NodeRequest struct {
	QueryOptions
	Node string
}

// IndexedNodes answers Catalog.ListNodes.
type IndexedNodes struct {
	Nodes Nodes
	QueryMeta
}

// IndexedServices answers Catalog.ListServices: service name to the union
// of its tags.
type IndexedServices struct {
	Services map[string][]string
	QueryMeta
}

// IndexedServiceNodes answers Catalog.ServiceNodes.
type IndexedServiceNodes struct {
	ServiceNodes []*ServiceNode
	QueryMeta
}

// IndexedNodeServices answers Catalog.NodeServices; NodeServices is nil
// when the node is unknown.
type IndexedNodeServices struct {
	NodeServices *NodeServices
	QueryMeta
}

// ChecksInStateRequest reads the checks in one state, or all of them
// with HealthAny.
type ChecksInStateRequest struct {
	QueryOptions
	State           string
	NodeMetaFilters map[string]string
}

// IndexedCheckServiceNodes answers Health.ServiceNodes.
type IndexedCheckServiceNodes struct {
	Nodes CheckServiceNodes
	// NotModified says the answer is the one at the request's
	// NotModifiedIndex, so Nodes was left empty.
	NotModified bool
	QueryMeta
}

// IndexedHealthChecks answers check queries.
type IndexedHealthChecks struct {
	HealthChecks HealthChecks
	QueryMeta
}

// KVRequest is a KV write: Op with the entry it acts on. For cas and
// delete-cas, Entry.ModifyIndex is the expected index.
type KVRequest struct {
	WriteRequest
	Op    KVOp
	Entry KVEntry
}

// KeyRequest reads one key (KVS.Get) or every key under a prefix (KVS.List).
type KeyRequest struct {
	QueryOptions
	Key string
}

// KeyListRequest lists key names under Prefix, folded at Separator.
type KeyListRequest struct {
	QueryOptions
	Prefix    string
	Separator string
}

// IndexedKVEntries answers KVS.Get and KVS.List.
type IndexedKVEntries struct {
	Entries []*KVEntry
	QueryMeta
}

// IndexedKeyList answers KVS.ListKeys.
type IndexedKeyList struct {
	Keys []string
	QueryMeta
}

// TxnRequest is an all-or-nothing list of operations. A transaction of
// reads only is served without Raft.
type TxnRequest struct {
	WriteRequest
	QueryOptions
	Ops TxnOps
}

// TxnResponse holds either the results or the errors of a transaction.
type TxnResponse struct {
	Results []*TxnResult
	Errors  []*TxnError
	QueryMeta
}

// RaftServer is one member of the Raft configuration.
type RaftServer struct {
	ID              string
	Node            string
	Address         string
	Leader          bool
	ProtocolVersion string
	Voter           bool
	LastIndex       uint64
}

// RaftRemovePeerRequest removes one server from the Raft configuration,
// named by ID or by address.
type RaftRemovePeerRequest struct {
	WriteRequest
	ID      string
	Address string
}

// RaftStats is one server's own view of its log, for operators.
type RaftStats struct {
	LastIndex    uint64
	AppliedIndex uint64
	LastTerm     uint64
	// LastContact is raft's last_contact stat: "never", "0" on the
	// leader, else a duration since the leader was last heard.
	LastContact string
}

// RaftConfigurationResponse answers Operator.RaftGetConfiguration.
type RaftConfigurationResponse struct {
	Servers []*RaftServer
	Index   uint64
}

// Bounds on a blocking query's wait, as Consul's: 5 minutes by default,
// at most 10, plus up to 1/16 jitter so watchers that started together do
// not all return in the same instant.
const (
	DefaultQueryTime = 5 * time.Minute
	MaxQueryTime     = 10 * time.Minute
	JitterFraction   = 16
)

// Options returns the query options of any request that embeds them, so
// RPC routing can find them without knowing the request type.
func (q *QueryOptions) Options() *QueryOptions { return q }

// BlockingWait is how long a server may hold this query before answering:
// zero when it does not block, else the capped wait plus the largest jitter.
func (q *QueryOptions) BlockingWait() time.Duration {
	if q.MinQueryIndex == 0 {
		return 0
	}
	wait := q.MaxQueryTime
	if wait <= 0 {
		wait = DefaultQueryTime
	}
	if wait > MaxQueryTime {
		wait = MaxQueryTime
	}
	return wait + wait/JitterFraction
}
