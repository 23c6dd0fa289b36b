package fsm

import (
	"context"
	"sync"
)

// appliedIndex is the Raft index of the newest entry the FSM has applied,
// recorded after the store commit, so a reader that sees it reach i finds
// entry i's writes in the store. Raft's own AppliedIndex counts entries
// handed to the FSM goroutine, not applied by it, so it cannot serve.
type appliedIndex struct {
	mu  sync.Mutex
	idx uint64
	ch  chan struct{} // closed when idx changes; nil while nobody waits
}

func (a *appliedIndex) set(i uint64) {
	a.mu.Lock()
	a.idx = i
	if a.ch != nil {
		close(a.ch)
		a.ch = nil
	}
	a.mu.Unlock()
}

func (a *appliedIndex) get() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.idx
}

// wait returns once the index is at least i, or ctx's error.
func (a *appliedIndex) wait(ctx context.Context, i uint64) error {
	for {
		a.mu.Lock()
		if a.idx >= i {
			a.mu.Unlock()
			return nil
		}
		if a.ch == nil {
			a.ch = make(chan struct{})
		}
		ch := a.ch
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AppliedIndex is the Raft index of the newest entry applied to the store
// (after a snapshot restore, the snapshot's newest write, which is a lower
// bound of the snapshot's index).
func (f *FSM) AppliedIndex() uint64 { return f.applied.get() }

// WaitApplied returns once AppliedIndex is at least idx, or ctx's error.
func (f *FSM) WaitApplied(ctx context.Context, idx uint64) error {
	return f.applied.wait(ctx, idx)
}
