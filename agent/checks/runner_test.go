package checks

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// countingCheck is an interval check whose probe counts its runs.
func countingCheck(interval time.Duration, rec *recorder) (*intervalCheck, *atomic.Int64) {
	var runs atomic.Int64
	spec := withDefaults(Spec{ID: "c", Interval: interval})
	p := func(ctx context.Context) (string, string) {
		runs.Add(1)
		return catalog.HealthPassing, "ok"
	}
	return newIntervalCheck(spec, newThreshold(spec, rec, hclog.NewNullLogger()), p), &runs
}

func TestIntervalRunsRepeatedly(t *testing.T) {
	rec := newRecorder()
	c, runs := countingCheck(20*time.Millisecond, rec)
	c.Start()
	c.Start() // idempotent
	defer c.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("%d runs in 5s at a 20ms interval", runs.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFirstRunIsStaggered(t *testing.T) {
	// With a long interval the first runs of many checks spread over it
	// rather than all happening at Start.
	const n = 20
	interval := 2 * time.Second
	rec := newRecorder()
	var checks []*intervalCheck
	var runs []*atomic.Int64
	for range n {
		c, r := countingCheck(interval, rec)
		c.Start()
		checks = append(checks, c)
		runs = append(runs, r)
	}
	time.Sleep(interval / 4)
	for _, c := range checks {
		c.Stop()
	}
	ran := 0
	for _, r := range runs {
		if r.Load() > 0 {
			ran++
		}
	}
	// Expect about n/4; all of them would mean no stagger.
	if ran == n {
		t.Errorf("all %d checks ran within a quarter of their interval", n)
	}
}

func TestStopEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	rec := newRecorder()
	var all []Check
	for range 20 {
		c, _ := countingCheck(10*time.Millisecond, rec)
		c.Start()
		all = append(all, c)
	}
	// A check stuck in a slow probe stops too.
	slow := withDefaults(Spec{ID: "slow", Interval: 10 * time.Millisecond, Timeout: time.Hour})
	started := make(chan struct{}, 1)
	sc := newIntervalCheck(slow, newThreshold(slow, rec, hclog.NewNullLogger()), func(ctx context.Context) (string, string) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return catalog.HealthCritical, "aborted"
	})
	sc.Start()
	all = append(all, sc)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow probe never started")
	}
	rec.waitStatus(t, catalog.HealthPassing)

	stopped := make(chan struct{})
	go func() {
		for _, c := range all {
			c.Stop()
			c.Stop() // idempotent
		}
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return")
	}
	n := len(rec.all())
	time.Sleep(100 * time.Millisecond)
	if after := len(rec.all()); after != n {
		t.Errorf("%d updates after Stop returned", after-n)
	}
	for _, u := range rec.all() {
		if u.output == "aborted" {
			t.Errorf("the aborted run was reported")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after Stop", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStopBeforeStart(t *testing.T) {
	rec := newRecorder()
	c, runs := countingCheck(10*time.Millisecond, rec)
	c.Stop()
	c.Start()
	time.Sleep(50 * time.Millisecond)
	if runs.Load() != 0 {
		t.Errorf("a stopped check ran")
	}
}
