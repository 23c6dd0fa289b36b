package server

import "sync"

// readiness says whether this server may answer leader reads: it led a
// term, and the barrier of that term has applied everything committed
// before it. Readiness belongs to one term. A server that steps down and
// wins again is a different leader, and its state machine may lack what
// another leader committed in between, so it waits for its own barrier;
// the term check closes the window in which Raft already reports the new
// term but the notification of the lost one has not been handled yet.
type readiness struct {
	mu   sync.Mutex
	ch   chan struct{} // closed once term's barrier has applied
	term uint64
}

func newReadiness() *readiness { return &readiness{ch: make(chan struct{})} }

// reset starts a new, not-ready generation and returns its channel, for
// the leader loop of a new term to close through markReady.
func (r *readiness) reset() chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ch = make(chan struct{})
	r.term = 0
	return r.ch
}

// markReady records that term's barrier applied. It does nothing when ch
// is no longer the current generation (the term ended meanwhile).
func (r *readiness) markReady(ch chan struct{}, term uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch != ch {
		return
	}
	r.term = term
	close(ch)
}

// wait returns the channel that closes when the current generation is
// ready.
func (r *readiness) wait() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ch
}

// readyFor reports whether the current generation is ready and belongs to
// term.
func (r *readiness) readyFor(term uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.ch:
		return r.term == term
	default:
		return false
	}
}
