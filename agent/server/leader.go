package server

import (
	"context"
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
		if stop == nil {
			return
		}
		stop()
		<-done
		stop = nil
		s.leaderMu.Lock()
		s.ready = make(chan struct{})
		s.leaderMu.Unlock()
	}
	for {
		select {
		case isLeader := <-notify:
			if isLeader && stop == nil {
				s.logger.Info("cluster leadership acquired")
				ctx, cancel := context.WithCancel(context.Background())
				stop = cancel
				done = make(chan struct{})
				go func() {
					defer close(done)
					s.leaderLoop(ctx)
				}()
			} else if !isLeader {
				if stop != nil {
					s.logger.Info("cluster leadership lost")
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
func (s *Server) leaderLoop(ctx context.Context) {
	for attempt := 0; ; attempt++ {
		if err := s.raft.Barrier(30 * time.Second).Error(); err == nil {
			break
		} else {
			s.logger.Warn("leader barrier failed; retrying", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
	s.leaderMu.Lock()
	close(s.ready)
	s.leaderMu.Unlock()

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
