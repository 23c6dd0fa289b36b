package server

import "testing"

// TestReadinessIsPerTerm replays the interleaving in which a leader steps
// down and wins the next election before the loss was handled: Raft
// already reports the new term while the old term's readiness is still
// in place. Reads must wait for the new term's barrier.
func TestReadinessIsPerTerm(t *testing.T) {
	r := newReadiness()
	if r.readyFor(0) {
		t.Fatal("ready before any term led")
	}
	term5 := r.reset()
	r.markReady(term5, 5)
	if !r.readyFor(5) {
		t.Fatal("not ready after term 5's barrier")
	}

	// Lost and re-won: Raft says term 6, the loss is not handled yet.
	if r.readyFor(6) {
		t.Fatal("term 5's barrier made term 6 ready: a stale read window")
	}

	// The loss is handled and term 6's loop starts; term 5's loop,
	// finishing late, must not mark the new generation ready.
	term6 := r.reset()
	r.markReady(term5, 5)
	select {
	case <-r.wait():
		t.Fatal("a late mark from term 5 made the new generation ready")
	default:
	}
	if r.readyFor(5) || r.readyFor(6) {
		t.Fatal("ready before term 6's barrier")
	}
	r.markReady(term6, 6)
	if !r.readyFor(6) {
		t.Fatal("not ready after term 6's barrier")
	}
	select {
	case <-r.wait():
	default:
		t.Fatal("wait channel open after the barrier")
	}
}
