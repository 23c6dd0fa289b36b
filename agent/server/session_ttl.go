package server

import (
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
)

// sessionTimers are the leader's TTL timers, one per session with a TTL.
// Only the leader keeps them: it starts one for every such session when
// it takes office, resets one on each create and renew, and drops them
// all when it steps down. Safe for concurrent use.
type sessionTimers struct {
	mu     sync.Mutex
	timers map[string]*time.Timer
}

func newSessionTimers() *sessionTimers {
	return &sessionTimers{timers: map[string]*time.Timer{}}
}

// reset (re)starts id's timer to run expire after d.
func (t *sessionTimers) reset(id string, d time.Duration, expire func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.timers[id]; ok {
		old.Stop()
	}
	var timer *time.Timer
	timer = time.AfterFunc(d, func() {
		t.mu.Lock()
		current := t.timers[id] == timer
		if current {
			delete(t.timers, id)
		}
		t.mu.Unlock()
		if current {
			expire()
		}
	})
	t.timers[id] = timer
}

func (t *sessionTimers) stop(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.timers[id]; ok {
		old.Stop()
		delete(t.timers, id)
	}
}

func (t *sessionTimers) stopAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, timer := range t.timers {
		timer.Stop()
		delete(t.timers, id)
	}
}

func (t *sessionTimers) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.timers)
}

// sessionGrace is how long a session with ttl lives without a renewal:
// Consul documents twice the TTL.
func (s *Server) sessionGrace(ttl string) (time.Duration, bool) {
	d, err := time.ParseDuration(ttl)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d * time.Duration(s.cfg.SessionTTLMultiplier), true
}

// resetSessionTimer restarts sess's timer if it has a TTL and this
// server leads.
func (s *Server) resetSessionTimer(sess *catalog.Session) {
	grace, ok := s.sessionGrace(sess.TTL)
	if !ok || !s.IsLeader() {
		return
	}
	id := sess.ID
	s.sessionTimers.reset(id, grace, func() { s.expireSession(id) })
}

// startSessionTimers starts a timer for every session with a TTL; the
// leader calls it once its barrier has applied everything before its
// term, so sessions created under the old leader keep their lease.
func (s *Server) startSessionTimers() error {
	sessions, err := s.fsm.State().SessionsWithTTL()
	if err != nil {
		return err
	}
	for _, sess := range sessions {
		s.resetSessionTimer(sess)
	}
	return nil
}

// expireSession destroys a session whose TTL lapsed, through Raft. It
// retries a few times, and gives up once this server no longer leads (the
// next leader starts its own timer for the session).
func (s *Server) expireSession(id string) {
	req := &catalog.SessionRequest{Op: catalog.SessionDestroy, Session: catalog.Session{ID: id}}
	for attempt := 0; attempt < 5; attempt++ {
		if !s.IsLeader() {
			return
		}
		_, err := s.raftApply(fsm.SessionRequestType, req)
		if err == nil {
			return
		}
		s.logger.Warn("destroying an expired session failed", "session", id, "error", err)
		select {
		case <-s.shutdownCh:
			return
		case <-time.After(time.Duration(attempt+1) * 500 * time.Millisecond):
		}
	}
}
