package server

import (
	"context"
	"sync"
	"time"

	"github.com/concord-dev/concord/lan"
)

// monitorLeadership starts the leader's duties when this server wins an
// election and stops them when it loses leadership.
func (s *Server) monitorLeadership(notify <-chan bool) {
	defer s.wg.Done()
	var stop context.CancelFunc
	var done chan struct{}
	stopLeader := func() {
		// Not ready from this instant, before the old term's loop has
		// wound down: a re-election meanwhile must wait for its own
		// barrier.
		s.ready.reset()
		if stop == nil {
			return
		}
		stop()
		<-done
		stop = nil
	}
	for {
		select {
		case isLeader := <-notify:
			if isLeader && stop == nil {
				s.logger.Info("cluster leadership acquired")
				s.metrics.LeadershipChanged(true)
				ctx, cancel := context.WithCancel(context.Background())
				stop = cancel
				done = make(chan struct{})
				ready := s.ready.reset()
				go func() {
					defer close(done)
					s.leaderLoop(ctx, ready)
				}()
			} else if !isLeader {
				if stop != nil {
					s.logger.Info("cluster leadership lost")
					s.metrics.LeadershipChanged(false)
				}
				stopLeader()
			}
		case <-s.shutdownCh:
			stopLeader()
			return
		}
	}
}

// leaderLoop runs while this server leads: it first makes the state
// machine catch up with everything committed (a barrier), only then
// serves reads, and keeps the catalog and the Raft configuration in step
// with the LAN pool.
func (s *Server) leaderLoop(ctx context.Context, ready chan struct{}) {
	// Session TTL timers are the leader's alone: a follower that kept one
	// would destroy sessions the new leader is renewing.
	defer s.sessionTimers.stopAll()
	for attempt := 0; ; attempt++ {
		// The barrier proves this term's leader has applied everything
		// before it only if the term did not change under it.
		term := s.raft.CurrentTerm()
		err := s.raft.Barrier(30 * time.Second).Error()
		if err == nil && s.raft.CurrentTerm() == term {
			// The ACL basics exist before the first request is served, so
			// a bootstrap never finds the management policy missing.
			if err = s.initACLs(); err == nil {
				err = s.startSessionTimers()
			}
			if err == nil {
				s.ready.markReady(ready, term)
				break
			}
		}
		if err != nil {
			s.logger.Warn("leader barrier failed; retrying", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}

	// Autopilot promotes stable non-voters and removes dead servers for
	// as long as this server leads.
	s.autopilot.Start(ctx)
	defer func() { <-s.autopilot.Stop() }()

	// A secondary datacenter's leader copies the primary's ACLs until it
	// stops leading; leaderLoop returns only once the copy has stopped.
	var replication sync.WaitGroup
	defer replication.Wait()
	if s.isSecondary() {
		replication.Add(1)
		go func() {
			defer replication.Done()
			s.runACLReplication(ctx)
		}()
	}

	events, unsubscribe := s.lan.Subscribe()
	defer unsubscribe()
	s.reconcileAll()
	gc := newTombstoneGC(tombstoneTTL)
	tick := time.NewTicker(s.cfg.ReconcileInterval)
	defer tick.Stop()
	gcTick := time.NewTicker(tombstoneTTL / 4)
	defer gcTick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			if ev.Type == lan.EventMemberReap {
				ev.Member.Status = lan.StatusLeft
			}
			if err := s.reconcileMember(ev.Member); err != nil {
				s.logger.Warn("reconcile member failed", "member", ev.Member.Name, "error", err)
			}
		case <-tick.C:
			s.reconcileAll()
		case now := <-gcTick.C:
			s.reapTombstones(gc, now)
		}
	}
}
