package checks

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// update is one call of a recorder.
type update struct{ id, status, output string }

// recorder is a Notifier that keeps every update.
type recorder struct {
	mu      sync.Mutex
	updates []update
	changed chan struct{} // closed and replaced on each update
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) UpdateCheck(id, status, output string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, update{id, status, output})
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) all() []update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]update(nil), r.updates...)
}

// waitFor waits up to a few seconds for an update that ok accepts and
// returns it.
func (r *recorder) waitFor(t *testing.T, what string, ok func(update) bool) update {
	t.Helper()
	deadline := time.After(5 * time.Second)
	seen := 0
	for {
		r.mu.Lock()
		ups, changed := r.updates[seen:], r.changed
		r.mu.Unlock()
		for _, u := range ups {
			if ok(u) {
				return u
			}
		}
		seen += len(ups)
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no update %s within 5s; got %v", what, r.all())
		}
	}
}

// waitStatus waits for an update with status.
func (r *recorder) waitStatus(t *testing.T, status string) update {
	t.Helper()
	return r.waitFor(t, fmt.Sprintf("with status %s", status), func(u update) bool { return u.status == status })
}

// startCheck builds and starts a check for spec reporting to a new
// recorder, and stops it when the test ends.
func startCheck(t *testing.T, spec Spec, deps Deps) (Check, *recorder) {
	t.Helper()
	rec := newRecorder()
	deps.Notifier = rec
	c, err := New(spec, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.Start()
	t.Cleanup(c.Stop)
	return c, rec
}

// runProbe runs p once with timeout.
func runProbe(p probe, timeout time.Duration) (string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p(ctx)
}

// withDefaults is spec after New's defaults.
func withDefaults(spec Spec) Spec {
	if spec.Timeout == 0 {
		spec.Timeout = DefaultTimeout
	}
	if spec.Method == "" {
		spec.Method = DefaultMethod
	}
	if spec.OutputMaxSize == 0 {
		spec.OutputMaxSize = DefaultOutputMaxSize
	}
	return spec
}
