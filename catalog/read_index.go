package catalog

// ReadIndexRequest asks the leader for the index a follower must have
// applied before it answers a default or ?consistent read from its own
// replica (ARCHITECTURE.md, "Follower reads").
type ReadIndexRequest struct {
	Datacenter string
	// Consistent asks for a quorum round (?consistent) on top of the
	// leader's lease and readiness check (default reads).
	Consistent bool
}

// ReadIndexReply carries the read index: a Raft index the leader's FSM
// sees (a command or configuration entry), at or past everything
// committed when the leader made its check.
type ReadIndexReply struct {
	Index uint64
}
