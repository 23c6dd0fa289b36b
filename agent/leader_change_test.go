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

// TestBlockingQueryRidesOutLeaderChange parks blocking queries (through a
// client agent and through a follower) for longer than the RPC hold time,
// then takes the leader away. The queries must find the next leader and
// answer the write made there, not fail with "No cluster leader": the
// hold time counts from the failure, not from the start of the query.
func TestBlockingQueryRidesOutLeaderChange(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	const hold = 7 * time.Second // the default: what a real deployment rides out an election with
	for _, tc := range []struct {
		name string
		stop func(*agent.Agent) error
	}{
		{"killed", func(a *agent.Agent) error { return a.Shutdown() }},
		{"graceful hand-off", func(a *agent.Agent) error { return a.GracefulStop(false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srvs, clis := agenttest.StartClusterWith(t, 3, 1, func(c *config.Config) { c.RPCHoldTimeout = hold })
			leader := leaderOf(t, srvs)
			var follower *agent.Agent
			for _, s := range srvs {
				if s != leader {
					follower = s
					break
				}
			}
			fc := agenttest.Client(t, follower)
			if _, err := fc.KV().Put(&api.KVPair{Key: "watched", Value: []byte("before")}, nil); err != nil {
				t.Fatal(err)
			}
			_, qm, err := fc.KV().Get("watched", nil)
			if err != nil {
				t.Fatal(err)
			}

			type result struct {
				via   string
				value string
				err   error
			}
			results := make(chan result, 2)
			for via, a := range map[string]*agent.Agent{"client": clis[0], "follower": follower} {
				c := agenttest.Client(t, a)
				go func() {
					kv, _, err := c.KV().Get("watched", &api.QueryOptions{WaitIndex: qm.LastIndex, WaitTime: time.Minute})
					r := result{via: via, err: err}
					if kv != nil {
						r.value = string(kv.Value)
					}
					results <- r
				}()
			}
			// Parked longer than the hold time before anything fails.
			time.Sleep(hold + time.Second)
			if err := tc.stop(leader); err != nil {
				t.Logf("stopping the leader: %v", err)
			}
			agenttest.WaitFor(t, 15*time.Second, "a write through the new leader", func() error {
				_, err := fc.KV().Put(&api.KVPair{Key: "watched", Value: []byte("after")}, nil)
				return err
			})
			for i := 0; i < 2; i++ {
				select {
				case r := <-results:
					if r.err != nil {
						t.Errorf("blocking query via %s failed across the leader change: %v", r.via, r.err)
					} else if r.value != "after" {
						t.Errorf("blocking query via %s answered %q, want the write made after the change", r.via, r.value)
					}
				case <-time.After(20 * time.Second):
					t.Fatal("blocking queries did not return within 20s of the write")
				}
			}
		})
	}
}

// leaderOf waits for one of srvs to report itself leader.
func leaderOf(t *testing.T, srvs []*agent.Agent) *agent.Agent {
	t.Helper()
	var leader *agent.Agent
	agenttest.WaitFor(t, 10*time.Second, "a leader", func() error {
		for _, s := range srvs {
			if s.Self().Stats["consul"]["leader"] == "true" {
				leader = s
				return nil
			}
		}
		return fmt.Errorf("no leader yet")
	})
	return leader
}

// TestKilledLeaderStartsElectionAtOnce stops the leader the way a crash
// does (its server port closes) and checks that a survivor saw its port
// refuse and started the election itself (raft_leader_gone) rather than
// waiting out raft's heartbeat timeout, and that the cluster took writes
// again through a survivor.
func TestKilledLeaderStartsElectionAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, _ := agenttest.StartClusterWith(t, 3, 0, nil)
	leader := leaderOf(t, srvs)
	var survivors []*agent.Agent
	for _, s := range srvs {
		if s != leader {
			survivors = append(survivors, s)
		}
	}
	if err := leader.Shutdown(); err != nil {
		t.Fatal(err)
	}
	newLeader := leaderOf(t, survivors)
	c := agenttest.Client(t, newLeader)
	agenttest.WaitFor(t, 30*time.Second, "a write through a survivor", func() error {
		_, err := c.KV().Put(&api.KVPair{Key: "after-kill", Value: []byte("v")}, nil)
		return err
	})
	early := 0.0
	for _, s := range survivors {
		fams, code := scrape(t, s.HTTPAddrs()[0].String(), "")
		if code != 200 {
			t.Fatalf("metrics: status %d", code)
		}
		if v := sum(fams, "concord_raft_leader_gone", nil); v > 0 {
			early += v
		}
	}
	if early < 1 {
		t.Fatal("no survivor started an early election after the leader's port closed (concord_raft_leader_gone is 0 on both)")
	}
}
