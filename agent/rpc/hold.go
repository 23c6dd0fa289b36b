package rpc

import "time"

// HoldTimer bounds how long a caller keeps retrying a call after it
// failed. It starts on the first failure, not with the call, so the time
// a blocking query spent parked before its server died does not count
// against the search for another server. The zero value is ready to use.
type HoldTimer struct{ t *time.Timer }

// Start arms the timer on its first call and returns its channel; later
// calls return the same channel without re-arming it.
func (h *HoldTimer) Start(d time.Duration) <-chan time.Time {
	if h.t == nil {
		h.t = time.NewTimer(d)
	}
	return h.t.C
}

// Stop releases the timer.
func (h *HoldTimer) Stop() {
	if h.t != nil {
		h.t.Stop()
	}
}
