package agent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// TestSessionsSurviveLeaderChange runs three servers and a client agent.
// A session with a TTL that is renewed every second keeps its lock across
// the leader's shutdown: the new leader restarts the TTL timers from the
// replicated sessions, with the full grace, so the renewals that failed
// during the election cost nothing. A session with a TTL that nobody
// renews is still destroyed, by the new leader's timer, once its grace
// has passed.
func TestSessionsSurviveLeaderChange(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	const ttl = 3 * time.Second // lives 2 × 3 s without a renewal
	srvs, clis := agenttest.StartClusterWith(t, 3, 1, func(c *config.Config) {
		c.SessionTTLMin = time.Second
		c.RPCHoldTimeout = 7 * time.Second
	})
	leader := leaderOf(t, srvs)
	c := agenttest.Client(t, clis[0])

	renewed, _, err := c.Session().Create(&api.SessionEntry{Name: "renewed", TTL: ttl.String(), LockDelay: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok, _, err := c.KV().Acquire(&api.KVPair{Key: "svc/leader", Value: []byte("renewed"), Session: renewed}, nil)
	if err != nil || !ok {
		t.Fatalf("acquire: %v, %v", ok, err)
	}
	// Renewed every second through the client agent until the test ends;
	// failures during the election are expected and only counted.
	stopRenew := make(chan struct{})
	renewDone := make(chan int)
	go func() {
		failures := 0
		defer func() { renewDone <- failures }()
		for i := 0; i < 600; i++ {
			select {
			case <-stopRenew:
				return
			case <-time.After(time.Second):
			}
			if entry, _, err := c.Session().Renew(renewed, nil); err != nil || entry == nil {
				failures++
			}
		}
	}()
	defer func() {
		close(stopRenew)
		t.Logf("renewals that failed across the leader change: %d", <-renewDone)
	}()

	// Created just before the kill, so its grace outlives the old leader.
	unrenewed, _, err := c.Session().Create(&api.SessionEntry{Name: "unrenewed", TTL: ttl.String(), LockDelay: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok, _, err = c.KV().Acquire(&api.KVPair{Key: "svc/orphan", Value: []byte("unrenewed"), Session: unrenewed}, nil)
	if err != nil || !ok {
		t.Fatalf("acquire with the unrenewed session: %v, %v", ok, err)
	}

	if err := leader.Shutdown(); err != nil {
		t.Logf("leader shutdown: %v", err)
	}
	killed := time.Now()
	agenttest.WaitFor(t, 20*time.Second, "a write through the new leader", func() error {
		_, err := c.KV().Put(&api.KVPair{Key: "after-change", Value: []byte("x")}, nil)
		return err
	})
	t.Logf("new leader accepted a write %v after the old one stopped", time.Since(killed).Round(10*time.Millisecond))

	// The unrenewed session ends through the new leader's timer, and
	// releases its key (behavior release).
	agenttest.WaitFor(t, 30*time.Second, "the unrenewed session destroyed by the new leader", func() error {
		if s, _, err := c.Session().Info(unrenewed, nil); err != nil || s != nil {
			return fmt.Errorf("still there: %+v, %v", s, err)
		}
		return nil
	})
	gone := time.Since(killed)
	t.Logf("unrenewed session destroyed %v after the leader stopped", gone.Round(10*time.Millisecond))
	// The new leader gives every session the full grace from the moment
	// it takes office, so not sooner than that after the old one stopped.
	if gone < 2*ttl {
		t.Errorf("unrenewed session destroyed %v after the leader change, before a full grace of %v", gone, 2*ttl)
	}
	kv, _, err := c.KV().Get("svc/orphan", nil)
	if err != nil || kv == nil || kv.Session != "" {
		t.Fatalf("key of the expired session: %+v, %v; want it kept and released", kv, err)
	}

	// Well past the grace of any timer the renewals did not reset, the
	// renewed session still holds its lock.
	time.Sleep(2*ttl + time.Second)
	s, _, err := c.Session().Info(renewed, nil)
	if err != nil || s == nil {
		t.Fatalf("the renewed session did not survive the leader change: %+v, %v", s, err)
	}
	kv, _, err = c.KV().Get("svc/leader", nil)
	if err != nil || kv == nil || kv.Session != renewed {
		t.Fatalf("lock after the leader change: %+v, %v; want it held by %s", kv, err, renewed)
	}
}
