package server

import (
	"math/rand/v2"
	"time"

	"github.com/hashicorp/raft"
)

// A follower learns that its leader died only when raft's heartbeat timer
// fires, 1-2 s after the last contact (at raft_multiplier 1) and, when
// contact was recent at that moment, another 1-2 s later. And since a
// follower rejects (pre-)votes while it still believes in a leader, the
// first follower to campaign loses until the others' timers fire too:
// failover took 1.5-3.3 s after a kill -9. When the leader's process is
// gone, its server port refuses connections outright; a follower that
// sees that, after a lease without contact, lowers its heartbeat and
// election timeouts to the lease so raft starts (and retries) the
// election at once, and puts them back once a leader is heard from.
// A timeout, or anything but a refusal, changes nothing: a dead host or
// a partition gets raft's normal timing. See ARCHITECTURE.md, "Leader
// loss".

// raftTimers is the part of *raft.Raft the watch uses.
type raftTimers interface {
	State() raft.RaftState
	LastContact() time.Time
	LeaderWithID() (raft.ServerAddress, raft.ServerID)
	ReloadableConfig() raft.ReloadableConfig
	ReloadConfig(raft.ReloadableConfig) error
}

// leaderGone holds the watch's state between ticks.
type leaderGone struct {
	r       raftTimers
	refuses func(addr string) bool // the address's port refused a TCP connection
	lease   time.Duration          // silence before the leader's port is tried
	// maxFast bounds how long the short timeouts stay without a leader
	// (no quorum left): raft's normal timing takes over after it.
	maxFast time.Duration
	jitter  func() time.Duration
	sleep   func(time.Duration)
	onFast  func(leader string) // logs and counts

	normal   raft.ReloadableConfig
	fast     bool
	fastAt   time.Time
	probed   raft.ServerAddress
	probedAt time.Time
}

// tick runs one check at now.
func (g *leaderGone) tick(now time.Time) {
	state := g.r.State()
	leader, _ := g.r.LeaderWithID()
	silent := now.Sub(g.r.LastContact())
	if g.fast {
		heard := state == raft.Follower && leader != "" && silent < g.lease
		if state == raft.Leader || heard || now.Sub(g.fastAt) > g.maxFast || state == raft.Shutdown {
			_ = g.r.ReloadConfig(g.normal)
			g.fast = false
		}
		return
	}
	if state != raft.Follower || leader == "" || silent < g.lease {
		return
	}
	if leader == g.probed && now.Sub(g.probedAt) < g.lease {
		return // one try per lease, however long the silence
	}
	g.probed, g.probedAt = leader, now
	if !g.refuses(string(leader)) {
		return
	}
	// The followers of a dead leader see the refusal within a tick of
	// each other; a random pause keeps them from campaigning in lockstep
	// and splitting the vote.
	g.sleep(g.jitter())
	g.normal = g.r.ReloadableConfig()
	short := g.normal
	short.HeartbeatTimeout, short.ElectionTimeout = g.lease, g.lease
	if err := g.r.ReloadConfig(short); err != nil {
		return
	}
	g.fast, g.fastAt = true, now
	g.onFast(string(leader))
}

// watchLeaderGone runs the watch every tenth of a heartbeat timeout (the
// leader's heartbeat interval) until the server shuts down.
func (s *Server) watchLeaderGone(refuses func(addr string) bool) {
	defer s.wg.Done()
	rc := s.raft.ReloadableConfig()
	lease := leaderLease(s.cfg)
	g := &leaderGone{
		r:       s.raft,
		refuses: refuses,
		lease:   lease,
		maxFast: 10 * rc.HeartbeatTimeout,
		jitter:  func() time.Duration { return rand.N(lease / 5) },
		sleep:   time.Sleep,
		onFast: func(leader string) {
			s.logger.Info("the leader's server port refuses connections: starting an election now", "leader", leader)
			s.metrics.LeaderGone()
		},
	}
	t := time.NewTicker(rc.HeartbeatTimeout / 10)
	defer t.Stop()
	for {
		select {
		case <-s.shutdownCh:
			return
		case now := <-t.C:
			g.tick(now)
		}
	}
}
