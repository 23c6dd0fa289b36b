package server

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A caller arriving while a call is in flight waits for the next call,
// and all callers that arrived meanwhile share that one call.
func TestSharedIndexCoalesces(t *testing.T) {
	var calls atomic.Int32
	release := make(chan uint64)
	started := make(chan struct{}, 10)
	s := &sharedIndex{fetch: func() (uint64, error) {
		calls.Add(1)
		started <- struct{}{}
		return <-release, nil
	}}

	first := make(chan uint64, 1)
	go func() { idx, _ := s.get(); first <- idx }()
	<-started // call 1 in flight

	const later = 50
	var wg sync.WaitGroup
	results := make(chan uint64, later)
	for i := 0; i < later; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx, err := s.get()
			if err != nil {
				t.Error(err)
			}
			results <- idx
		}()
	}
	// Wait (bounded) until every later caller is queued on the next call
	// before ending the first.
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		queued := 0
		if s.next != nil {
			queued = s.next.callers
		}
		s.mu.Unlock()
		if queued == later {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d later callers queued", queued, later)
		}
		time.Sleep(time.Millisecond)
	}
	release <- 7
	if got := <-first; got != 7 {
		t.Fatalf("first caller got %d, want 7 (its own call)", got)
	}
	select {
	case <-started: // call 2 starts only after call 1 ended
	case <-time.After(30 * time.Second):
		t.Fatal("the next call did not start")
	}
	release <- 9
	wg.Wait()
	close(results)
	for idx := range results {
		// None may get call 1's index: it began before they arrived.
		if idx != 9 {
			t.Fatalf("a later caller got %d, want 9 (the shared next call)", idx)
		}
	}
	waitUntilIdle(t, s)
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d calls for %d callers, want 2", n, later+1)
	}
}

func waitUntilIdle(t *testing.T, s *sharedIndex) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		running := s.running
		s.mu.Unlock()
		if !running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("runner did not stop")
		}
		time.Sleep(time.Millisecond)
	}
}

// An error reaches every caller of that call, and the next caller starts
// a fresh call.
func TestSharedIndexErrorThenFresh(t *testing.T) {
	var calls atomic.Int32
	boom := errors.New("leader unreachable")
	s := &sharedIndex{fetch: func() (uint64, error) {
		if calls.Add(1) == 1 {
			return 0, boom
		}
		return 42, nil
	}}
	if _, err := s.get(); !errors.Is(err, boom) {
		t.Fatalf("first get: %v, want %v", err, boom)
	}
	waitUntilIdle(t, s)
	if idx, err := s.get(); err != nil || idx != 42 {
		t.Fatalf("second get: %d %v", idx, err)
	}
}

// Modes are separate: a default read's index never serves a ?consistent one.
func TestReadIndexesKeepModesApart(t *testing.T) {
	r := newReadIndexes(func(consistent bool) (uint64, error) {
		if consistent {
			return 2, nil
		}
		return 1, nil
	})
	if idx, _ := r.get(false); idx != 1 {
		t.Fatalf("default: %d", idx)
	}
	if idx, _ := r.get(true); idx != 2 {
		t.Fatalf("consistent: %d", idx)
	}
}

func TestVisibleIndexCacheAnswersOnlyForItsCommitIndex(t *testing.T) {
	var c visibleIndexCache
	if _, ok := c.get(0); ok {
		t.Fatal("an empty cache answered for commit index 0")
	}
	c.set(12, 10)
	if idx, ok := c.get(12); !ok || idx != 10 {
		t.Fatalf("get(12) = %d, %v; want 10, true", idx, ok)
	}
	if _, ok := c.get(13); ok {
		t.Fatal("the cache answered for a commit index it was not computed at")
	}
}
