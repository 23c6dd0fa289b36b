package main

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// hold is one recorded hold of a lock: from the moment Lock returned to
// the moment the holder saw its lost channel close (or let go).
type hold struct {
	who        string
	start, end time.Time // end is zero while held
}

// holdLog records the hold intervals of several contenders.
type holdLog struct {
	mu    sync.Mutex
	holds []hold
}

func (l *holdLog) begin(who string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds = append(l.holds, hold{who: who, start: time.Now()})
	return len(l.holds) - 1
}

func (l *holdLog) finish(i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds[i].end = time.Now()
}

func (l *holdLog) snapshot() []hold {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]hold(nil), l.holds...)
}

// holder is who holds now, or "" when nobody does.
func (l *holdLog) holder() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.holds {
		if h.end.IsZero() {
			return h.who
		}
	}
	return ""
}

// overlaps lists every pair of intervals that overlap; an open interval
// lasts until now.
func overlaps(hs []hold) []string {
	now := time.Now()
	end := func(h hold) time.Time {
		if h.end.IsZero() {
			return now
		}
		return h.end
	}
	sorted := append([]hold(nil), hs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].start.Before(sorted[j].start) })
	var out []string
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j].start.Before(end(sorted[i])) {
				out = append(out, fmt.Sprintf("%s [%s, %s] overlaps %s from %s by %v",
					sorted[i].who, sorted[i].start.Format("15:04:05.000"), end(sorted[i]).Format("15:04:05.000"),
					sorted[j].who, sorted[j].start.Format("15:04:05.000"), end(sorted[i]).Sub(sorted[j].start)))
			}
		}
	}
	return out
}

// TestLockFailoverAcrossProcesses runs a server (127.0.0.61) and two
// client agents (.62, .63) as real processes. Two contenders in this
// process take api.Lock on one key, each through its own client agent,
// with a 1 s lock-delay and the default session (the agent's serfHealth
// check, behavior release, no TTL). Exactly one holds at any time; after
// the holder's agent is killed with SIGKILL the other acquires the lock
// once gossip marks the dead node failed (serfHealth critical, which
// invalidates the session) and the lock-delay has run.
func TestLockFailoverAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	const serverIP, ipA, ipB = "127.0.0.61", "127.0.0.62", "127.0.0.63"
	const lockDelay = time.Second
	requireLoopbackAliases(t, serverIP, ipA, ipB)

	server := newNode(t, "lock-srv", serverIP, append([]string{"-server", "-bootstrap-expect", "1"}, joinArgs(serverIP)...)...)
	agents := map[string]*node{
		"a": newNode(t, "lock-a", ipA, joinArgs(serverIP)...),
		"b": newNode(t, "lock-b", ipB, joinArgs(serverIP)...),
	}
	server.start()
	for _, n := range agents {
		n.start()
	}
	sc := server.client()
	eventually(t, 45*time.Second, "both client agents registered and passing", func() error {
		for _, n := range agents {
			checks, _, err := sc.Health().Node(n.name, nil)
			if err != nil {
				return err
			}
			if checks.AggregatedStatus() != api.HealthPassing || len(checks) == 0 {
				return fmt.Errorf("%s: %d checks, status %q", n.name, len(checks), checks.AggregatedStatus())
			}
		}
		return nil
	})

	const key = "failover/leader"
	var log holdLog
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(stop)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Log("contenders did not wind down within 20s")
		}
	})
	for name, n := range agents {
		c := n.client()
		l, err := c.LockOpts(&api.LockOptions{
			Key:          key,
			Value:        []byte(name),
			SessionOpts:  &api.SessionEntry{Name: "failover-" + name, LockDelay: lockDelay},
			LockWaitTime: 2 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Bounded: a contender that keeps failing (its agent killed)
			// gives up after a few hundred tries.
			for attempt := 0; attempt < 300; attempt++ {
				lost, err := l.Lock(stop)
				if err != nil {
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Millisecond):
					}
					continue
				}
				if lost == nil {
					return // stopped while waiting
				}
				i := log.begin(name)
				select {
				case <-lost:
					log.finish(i)
				case <-stop:
					log.finish(i)
					l.Unlock()
					return
				}
				// The lock was lost; api.Lock wants Unlock before a new
				// Lock (it fails with "lock already held" otherwise).
				l.Unlock()
			}
		}()
	}

	var first string
	eventually(t, 30*time.Second, "one contender holds the lock", func() error {
		if first = log.holder(); first == "" {
			return fmt.Errorf("nobody holds it yet")
		}
		return nil
	})
	// Both contend for a while; the holder keeps it and the other waits.
	time.Sleep(3 * time.Second)
	if hs := log.snapshot(); len(hs) != 1 || log.holder() != first {
		t.Fatalf("before the kill: holds %+v, want only %s's", hs, first)
	}
	kv, _, err := sc.KV().Get(key, nil)
	if err != nil || kv == nil || string(kv.Value) != first || kv.Session == "" {
		t.Fatalf("lock key before the kill: %+v, %v", kv, err)
	}

	other := "a"
	if first == "a" {
		other = "b"
	}
	agents[first].kill()
	killed := time.Now()
	// When the server ended the dead node's session, polled every 50 ms.
	invalidated := make(chan time.Time, 1)
	go func() {
		for i := 0; i < 1200; i++ {
			sessions, _, err := sc.Session().Node(agents[first].name, nil)
			if err == nil && len(sessions) == 0 {
				invalidated <- time.Now()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	var acquired time.Time
	eventually(t, 60*time.Second, "the other contender acquires the lock", func() error {
		for _, h := range log.snapshot() {
			if h.who == other {
				acquired = h.start
				return nil
			}
		}
		return fmt.Errorf("%s holds nothing yet", other)
	})
	failover := acquired.Sub(killed)
	var ended time.Time
	select {
	case ended = <-invalidated:
	case <-time.After(5 * time.Second):
		t.Fatal("the killed node's session was never seen invalidated")
	}
	t.Logf("kill -9 of %s's agent: session invalidated after %v, %s holds the lock after %v (lock-delay %v)",
		first, ended.Sub(killed).Round(10*time.Millisecond), other, failover.Round(10*time.Millisecond), lockDelay)
	// Not before the session ended plus the lock-delay (the poll may see
	// the invalidation up to 50 ms late).
	if acquired.Before(ended.Add(lockDelay - 100*time.Millisecond)) {
		t.Errorf("acquired %v after the session was seen invalidated, sooner than the lock-delay %v", acquired.Sub(ended), lockDelay)
	}

	// The dead node's session is gone, and the key names the new holder.
	kv, _, err = sc.KV().Get(key, nil)
	if err != nil || kv == nil || string(kv.Value) != other || kv.Session == "" {
		t.Fatalf("lock key after the failover: %+v, %v", kv, err)
	}
	sessions, _, err := sc.Session().Node(agents[first].name, nil)
	if err != nil || len(sessions) != 0 {
		t.Fatalf("sessions of the killed node: %+v, %v", sessions, err)
	}
	// It cannot have come sooner than the lock-delay after invalidation.
	if failover < lockDelay {
		t.Errorf("acquired %v after the kill, sooner than the lock-delay %v", failover, lockDelay)
	}
	time.Sleep(time.Second)
	hs := log.snapshot()
	if bad := overlaps(hs); len(bad) > 0 {
		t.Fatalf("hold intervals overlap: %v", bad)
	}
	if len(hs) != 2 || log.holder() != other {
		t.Fatalf("holds %+v, want %s's closed and %s's open", hs, first, other)
	}
}
