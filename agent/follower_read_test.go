package agent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// followerOf returns a server of srvs other than leader.
func followerOf(srvs []*agent.Agent, leader *agent.Agent) *agent.Agent {
	for _, s := range srvs {
		if s != leader {
			return s
		}
	}
	return nil
}

// forwardedKVGets is how many KVS.Get calls a server sent on to the leader.
func forwardedKVGets(t *testing.T, a *agent.Agent) float64 {
	t.Helper()
	fams, code := scrape(t, a.HTTPAddrs()[0].String(), "")
	if code != 200 {
		t.Fatalf("metrics: status %d", code)
	}
	return max(sum(fams, "concord_rpc_forward", map[string]string{"method": "KVS.Get"}), 0)
}

// TestFollowerBlockingQueryWakesOnLeaderWrite parks default and
// ?consistent blocking queries on a follower, writes through the leader,
// and expects every query to return the new value with a higher index,
// answered by the follower (ReadIndex) without forwarding a KVS.Get.
func TestFollowerBlockingQueryWakesOnLeaderWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, _ := agenttest.StartCluster(t, 3, 0)
	leader := leaderOf(t, srvs)
	follower := followerOf(srvs, leader)
	lc, fc := agenttest.Client(t, leader), agenttest.Client(t, follower)
	if _, err := lc.KV().Put(&api.KVPair{Key: "fr/k", Value: []byte("v0")}, nil); err != nil {
		t.Fatal(err)
	}
	// The write is acknowledged: a default and a consistent read through
	// the follower must both see it at once.
	var index uint64
	for _, q := range []*api.QueryOptions{{}, {RequireConsistent: true}} {
		kv, meta, err := fc.KV().Get("fr/k", q)
		if err != nil || kv == nil || string(kv.Value) != "v0" {
			t.Fatalf("read after write through the follower (consistent=%v): %+v %v", q.RequireConsistent, kv, err)
		}
		index = meta.LastIndex
	}
	before := forwardedKVGets(t, follower)

	type result struct {
		kv    *api.KVPair
		index uint64
		err   error
	}
	const watchers = 20
	results := make(chan result, watchers)
	for i := 0; i < watchers; i++ {
		q := &api.QueryOptions{WaitIndex: index, WaitTime: time.Minute, RequireConsistent: i%2 == 1}
		go func() {
			kv, meta, err := fc.KV().Get("fr/k", q)
			r := result{kv: kv, err: err}
			if meta != nil {
				r.index = meta.LastIndex
			}
			results <- r
		}()
	}
	// Let the queries park (bounded); an early return would be a bug the
	// loop below reports.
	agenttest.WaitFor(t, 30*time.Second, "blocking queries parked on the follower", func() error {
		fams, _ := scrape(t, follower.HTTPAddrs()[0].String(), "")
		if n := sum(fams, "concord_rpc_queries_blocking", nil); n < watchers {
			return fmt.Errorf("%v parked", n)
		}
		return nil
	})
	if _, err := lc.KV().Put(&api.KVPair{Key: "fr/k", Value: []byte("v1")}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(45 * time.Second)
	for i := 0; i < watchers; i++ {
		select {
		case r := <-results:
			if r.err != nil || r.kv == nil || string(r.kv.Value) != "v1" || r.index <= index {
				t.Fatalf("watcher %d: %+v index %d err %v, want v1 past index %d", i, r.kv, r.index, r.err, index)
			}
		case <-deadline:
			t.Fatalf("%d of %d blocking queries did not return within 45s of the write", watchers-i, watchers)
		}
	}
	if after := forwardedKVGets(t, follower); after != before {
		t.Fatalf("the follower forwarded %v KVS.Get calls; it should answer them itself", after-before)
	}
}

// TestFollowerCutOffDoesNotAnswer stops the other two servers under a
// follower that holds the data: default and ?consistent reads through it,
// parked blocking ones included, must fail rather than answer from its
// replica; ?stale still answers.
func TestFollowerCutOffDoesNotAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, _ := agenttest.StartClusterWith(t, 3, 0, func(c *config.Config) {
		c.RPCHoldTimeout = 2 * time.Second
	})
	leader := leaderOf(t, srvs)
	follower := followerOf(srvs, leader)
	lc, fc := agenttest.Client(t, leader), agenttest.Client(t, follower)
	if _, err := lc.KV().Put(&api.KVPair{Key: "cut/k", Value: []byte("v0")}, nil); err != nil {
		t.Fatal(err)
	}
	_, meta, err := fc.KV().Get("cut/k", &api.QueryOptions{RequireConsistent: true})
	if err != nil {
		t.Fatal(err)
	}
	parked := make(chan error, 2)
	for _, consistent := range []bool{false, true} {
		q := &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 3 * time.Second, RequireConsistent: consistent}
		go func() {
			kv, _, err := fc.KV().Get("cut/k", q)
			if err == nil {
				err = fmt.Errorf("answered %+v", kv)
				parked <- err
				return
			}
			parked <- nil
		}()
	}
	for _, s := range srvs {
		if s != follower {
			s.Shutdown()
		}
	}
	for _, q := range []*api.QueryOptions{{}, {RequireConsistent: true}} {
		if kv, _, err := fc.KV().Get("cut/k", q); err == nil {
			t.Fatalf("a follower without a leader answered a read (consistent=%v): %+v", q.RequireConsistent, kv)
		}
	}
	for i := 0; i < 2; i++ {
		select {
		case err := <-parked:
			if err != nil {
				t.Fatalf("a parked blocking query on the cut-off follower %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("parked blocking queries did not end within 60s")
		}
	}
	if kv, _, err := fc.KV().Get("cut/k", &api.QueryOptions{AllowStale: true}); err != nil || kv == nil || string(kv.Value) != "v0" {
		t.Fatalf("?stale through the follower: %+v %v", kv, err)
	}
}
