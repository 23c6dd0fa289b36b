package agent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// TestConsistentReadAfterLeaderChange stops the leader of three servers,
// writes through the new leader, and reads the key back with ?consistent
// through the remaining follower and through a client agent: each read
// must return the last acknowledged write, whichever server the client
// agent picks and however far the follower's state machine lags.
func TestConsistentReadAfterLeaderChange(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, clis := agenttest.StartCluster(t, 3, 1)
	old := leaderOf(t, srvs)
	oc := agenttest.Client(t, old)
	if _, err := oc.KV().Put(&api.KVPair{Key: "cfg/flag", Value: []byte("v0")}, nil); err != nil {
		t.Fatal(err)
	}
	old.Shutdown()
	var rest []*agent.Agent
	for _, s := range srvs {
		if s != old {
			rest = append(rest, s)
		}
	}
	leader := leaderOf(t, rest)
	follower := rest[0]
	if follower == leader {
		follower = rest[1]
	}
	lc := agenttest.Client(t, leader)
	consistent := &api.QueryOptions{RequireConsistent: true}
	readers := map[string]*api.Client{"follower": agenttest.Client(t, follower), "client": agenttest.Client(t, clis[0])}
	for i := 1; i <= 20; i++ {
		want := fmt.Sprintf("v%d", i)
		agenttest.WaitFor(t, 15*time.Second, "a write through the new leader", func() error {
			_, err := lc.KV().Put(&api.KVPair{Key: "cfg/flag", Value: []byte(want)}, nil)
			return err
		})
		for via, c := range readers {
			kv, _, err := c.KV().Get("cfg/flag", consistent)
			if err != nil {
				t.Fatalf("write %d: consistent read via %s: %v", i, via, err)
			}
			if kv == nil || string(kv.Value) != want {
				t.Fatalf("write %d: consistent read via %s returned %+v, want %q", i, via, kv, want)
			}
		}
	}
}
