package server

import (
	"time"

	"github.com/hashicorp/raft"

	"github.com/concord-dev/concord/catalog/fsm"
)

// Metrics records what a server does; the agent hands in its registry
// (agent/metrics). Methods are called concurrently from every RPC.
type Metrics interface {
	// RPCServed records one RPC this server answered, in process or over
	// the wire, and its error.
	RPCServed(method string, took time.Duration, err error)
	// BlockingQueryStarted counts a blocking query; done ends it.
	BlockingQueryStarted() (done func())
	// RaftApplied records one command applied as leader, with the time
	// until it committed and applied.
	RaftApplied(took time.Duration)
	// FSMApplied records the FSM's apply of a committed command.
	FSMApplied(msgType string, took time.Duration)
	// Applied records a write from RPC to commit on the leader; kind is
	// one of "kvs_apply", "txn_apply", "catalog_register",
	// "catalog_deregister", "session_apply".
	Applied(kind string, took time.Duration)
	// LeadershipChanged counts a move to leader or away from it.
	LeadershipChanged(leader bool)
	// ACLResolved records a token resolution and whether the cache
	// answered.
	ACLResolved(took time.Duration, cacheHit bool)
	// RaftSnapshotStep records one step of a Raft snapshot or restore:
	// "raft.snapshot.create", "raft.snapshot.persist",
	// "raft.fsm.snapshot", "raft.fsm.restore".
	RaftSnapshotStep(step string, took time.Duration)
	// RPCForwarded counts a call this server sent on to the leader.
	RPCForwarded(method string)
	// RPCCrossDC counts a call this server sent to another datacenter.
	RPCCrossDC(dc string)
	// ACLReplication records one round of a secondary datacenter's ACL
	// replication of kind ("policies", "roles", "tokens"): whether it
	// succeeded and the primary's index it reached.
	ACLReplication(kind string, ok bool, index uint64)
	// LeaderGone counts an election this follower started early because
	// its leader's server port refused connections (leader_gone.go).
	LeaderGone()
}

// noMetrics records nothing, for servers built without a registry.
type noMetrics struct{}

func (noMetrics) RPCServed(string, time.Duration, error) {}
func (noMetrics) BlockingQueryStarted() func()           { return func() {} }
func (noMetrics) RaftApplied(time.Duration)              {}
func (noMetrics) FSMApplied(string, time.Duration)       {}
func (noMetrics) Applied(string, time.Duration)          {}
func (noMetrics) LeadershipChanged(bool)                 {}
func (noMetrics) ACLResolved(time.Duration, bool)        {}
func (noMetrics) RaftSnapshotStep(string, time.Duration) {}
func (noMetrics) RPCForwarded(string)                    {}
func (noMetrics) RPCCrossDC(string)                      {}
func (noMetrics) ACLReplication(string, bool, uint64)    {}

// measure records a leader write of kind that started at start:
// defer s.measure("kvs_apply", time.Now()).
func (s *Server) measure(kind string, start time.Time) {
	s.metrics.Applied(kind, time.Since(start))
}

// fsmTypeNames label the FSM apply timings.
var fsmTypeNames = map[fsm.MessageType]string{
	fsm.RegisterRequestType:   "register",
	fsm.DeregisterRequestType: "deregister",
	fsm.KVSRequestType:        "kvs",
	fsm.TxnRequestType:        "txn",
	fsm.TombstoneRequestType:  "tombstone",
	fsm.ACLRequestType:        "acl",
	fsm.SessionRequestType:    "session",

	fsm.CoordinateBatchUpdateType: "coordinate_batch_update",
	fsm.PreparedQueryRequestType:  "prepared_query",
	fsm.AutopilotRequestType:      "autopilot",
}

// timedFSM times every Apply of the state machine it wraps.
type timedFSM struct {
	*fsm.FSM
	metrics Metrics
}

func (f timedFSM) Apply(l *raft.Log) interface{} {
	if l.Type != raft.LogCommand || len(l.Data) == 0 {
		return f.FSM.Apply(l)
	}
	start := time.Now()
	resp := f.FSM.Apply(l)
	f.metrics.FSMApplied(fsmTypeName(l), time.Since(start))
	return resp
}

// fsmTypeName labels a command entry (non-empty Data) for the timings.
func fsmTypeName(l *raft.Log) string {
	if name, ok := fsmTypeNames[fsm.MessageType(l.Data[0])&^fsm.IgnoreUnknownTypeFlag]; ok {
		return name
	}
	return "other"
}
func (noMetrics) LeaderGone() {}
