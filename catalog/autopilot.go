package catalog

import "time"

// AutopilotConfig tunes the leader's server management (Consul's autopilot
// configuration). It is replicated state: one row, written through Raft,
// kept in snapshots.
type AutopilotConfig struct {
	// CleanupDeadServers removes failed servers from the Raft
	// configuration, within MinQuorum and never more than a minority of
	// voters at once.
	CleanupDeadServers bool
	// LastContactThreshold: a server whose last contact with the leader is
	// older than this is unhealthy.
	LastContactThreshold time.Duration
	// MaxTrailingLogs: a server more entries behind the leader than this
	// is unhealthy.
	MaxTrailingLogs uint64
	// MinQuorum is the number of voters below which dead servers are no
	// longer removed.
	MinQuorum uint
	// ServerStabilizationTime is how long a new server must stay healthy,
	// as a non-voter, before it is promoted to voter.
	ServerStabilizationTime time.Duration

	CreateIndex uint64
	ModifyIndex uint64
}

// DefaultAutopilotConfig is what a cluster uses until an operator sets
// one: Consul's defaults.
func DefaultAutopilotConfig() AutopilotConfig {
	return AutopilotConfig{
		CleanupDeadServers:      true,
		LastContactThreshold:    200 * time.Millisecond,
		MaxTrailingLogs:         250,
		ServerStabilizationTime: 10 * time.Second,
	}
}

// AutopilotSetRequest replaces the autopilot configuration; with CAS it
// does so only when the stored ModifyIndex equals Config.ModifyIndex
// (0: only when none is stored). The reply is a *bool: whether it was
// written.
type AutopilotSetRequest struct {
	WriteRequest
	Config AutopilotConfig
	CAS    bool
}

// AutopilotServerHealth is one server as autopilot sees it.
type AutopilotServerHealth struct {
	ID          string
	Name        string
	Address     string
	SerfStatus  string // alive, failed, left, none
	Version     string
	Leader      bool
	LastContact time.Duration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	Voter       bool
	StableSince time.Time
	// Status is the server's Raft role: leader, voter, non-voter,
	// staging or none.
	Status string
}

// AutopilotHealthReply answers Operator.ServerHealth.
type AutopilotHealthReply struct {
	// Healthy: every server is healthy.
	Healthy bool
	// FailureTolerance is how many voters could fail without losing
	// the quorum.
	FailureTolerance int
	Servers          []AutopilotServerHealth
	// Leader and Voters are Raft server IDs.
	Leader string
	Voters []string
}

// RaftTransferLeaderRequest asks the leader to hand leadership to the
// server with ID, or to the most up-to-date voter when ID is empty.
type RaftTransferLeaderRequest struct {
	WriteRequest
	ID string
}
