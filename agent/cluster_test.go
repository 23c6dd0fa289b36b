package agent_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/consul/api"
)

// TestInProcessCluster forms a 3-server, 2-client cluster in one process
// and checks forwarding, catalog reconciliation of the pool, graceful
// leave, force-leave and leadership hand-off.
func TestInProcessCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, clis := agenttest.StartCluster(t, 3, 2)
	leaderIdx := func() int {
		for i, s := range srvs {
			if s.Self().Stats["consul"]["leader"] == "true" {
				return i
			}
		}
		return -1
	}
	var leader, follower *agent.Agent
	agenttest.WaitFor(t, 10*time.Second, "a leader", func() error {
		i := leaderIdx()
		if i < 0 {
			return fmt.Errorf("no leader")
		}
		leader, follower = srvs[i], srvs[(i+1)%3]
		return nil
	})

	// This test removes a stopped server by hand; autopilot's dead-server
	// cleanup would race it (TestAutopilotDeadServerCleanup covers that).
	noCleanup := api.NewAutopilotConfiguration()
	noCleanup.CleanupDeadServers = false
	if err := agenttest.Client(t, leader).Operator().AutopilotSetConfiguration(&noCleanup, nil); err != nil {
		t.Fatal(err)
	}

	// Writes through a client agent and through a follower both reach
	// the leader; a stale read on every server sees them.
	for name, a := range map[string]*agent.Agent{"client": clis[0], "follower": follower} {
		if _, err := agenttest.Client(t, a).KV().Put(&api.KVPair{Key: "via/" + name, Value: []byte(name)}, nil); err != nil {
			t.Fatalf("put via %s: %v", name, err)
		}
	}
	for _, s := range srvs {
		agenttest.WaitFor(t, 5*time.Second, "replicated to "+s.Self().NodeName, func() error {
			pairs, _, err := agenttest.Client(t, s).KV().List("via/", &api.QueryOptions{AllowStale: true})
			if err == nil && len(pairs) != 2 {
				err = fmt.Errorf("%d keys", len(pairs))
			}
			return err
		})
	}

	// The leader mirrors the pool into the catalog and Raft.
	c := agenttest.Client(t, follower)
	agenttest.WaitFor(t, 10*time.Second, "five nodes in the catalog", func() error {
		nodes, _, err := c.Catalog().Nodes(nil)
		if err == nil && len(nodes) != 5 {
			err = fmt.Errorf("%d nodes", len(nodes))
		}
		return err
	})
	conf, err := c.Operator().RaftGetConfiguration(nil)
	if err != nil || len(conf.Servers) != 3 {
		t.Fatalf("raft configuration: %+v %v", conf, err)
	}
	// bootstrap-expect wrote all three servers in the first entry.
	if conf.Index < 1 {
		t.Fatalf("raft configuration index %d, want the index of the latest configuration entry", conf.Index)
	}
	for _, srv := range conf.Servers {
		// Each server reports its own log position, not the leader's.
		if srv.LastIndex == 0 || srv.Node == "" {
			t.Fatalf("raft configuration entry without node or last index: %+v", srv)
		}
	}

	// A client that leaves gracefully is "left" and leaves the catalog.
	if err := clis[1].Leave(); err != nil {
		t.Fatal(err)
	}
	waitLeftAndDeregistered(t, leader, c, "c2")

	// A client that dies is "failed"; force-leave makes it "left" and
	// the leader deregisters it.
	clis[0].Shutdown()
	agenttest.WaitFor(t, 30*time.Second, "every server sees c1 failed", func() error {
		for _, s := range srvs {
			if st := memberStatus(s, "c1"); st != lan.StatusFailed {
				return fmt.Errorf("%s sees c1 %v", s.Self().NodeName, st)
			}
		}
		return nil
	})
	if err := c.Agent().ForceLeave("c1"); err != nil {
		t.Fatal(err)
	}
	waitLeftAndDeregistered(t, leader, c, "c1")

	// A leader stopping gracefully hands leadership off; writes go on.
	oldLeader := leader.Self().NodeName
	start := time.Now()
	leader.GracefulStop(false)
	var newLeader *agent.Agent
	agenttest.WaitFor(t, 10*time.Second, "a new leader", func() error {
		for _, s := range srvs {
			if s != leader && s.Self().Stats["consul"]["leader"] == "true" {
				newLeader = s
				return nil
			}
		}
		return fmt.Errorf("none yet")
	})
	t.Logf("leadership moved from %s to %s in %v", oldLeader, newLeader.Self().NodeName, time.Since(start))
	nc := agenttest.Client(t, newLeader)
	if _, err := nc.KV().Put(&api.KVPair{Key: "after/handoff", Value: []byte("1")}, nil); err != nil {
		t.Fatalf("write after hand-off: %v", err)
	}

	// The stopped server keeps its seat (cleanup is off) until an
	// operator removes it.
	conf, err = nc.Operator().RaftGetConfiguration(nil)
	if err != nil || len(conf.Servers) != 3 {
		t.Fatalf("raft configuration after stop: %+v %v", conf, err)
	}
	before := conf.Index
	var gone string
	for _, srv := range conf.Servers {
		if srv.Node == oldLeader {
			gone = srv.Address
		}
	}
	if err := nc.Operator().RaftRemovePeerByAddress(gone, nil); err != nil {
		t.Fatalf("remove-peer %s: %v", gone, err)
	}
	if err := nc.Operator().RaftRemovePeerByAddress(gone, nil); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("second remove-peer of %s: %v", gone, err)
	}
	conf, err = nc.Operator().RaftGetConfiguration(nil)
	if err != nil || len(conf.Servers) != 2 {
		t.Fatalf("raft configuration after remove-peer: %+v %v", conf, err)
	}
	if conf.Index <= before {
		t.Fatalf("raft configuration index %d after remove-peer, was %d: it must name the new entry", conf.Index, before)
	}
}

// waitLeftAndDeregistered waits until the leader sees name as left and
// the catalog no longer lists it.
func waitLeftAndDeregistered(t *testing.T, leader *agent.Agent, c *api.Client, name string) {
	t.Helper()
	agenttest.WaitFor(t, 10*time.Second, name+" left and deregistered", func() error {
		if st := memberStatus(leader, name); st != lan.StatusLeft {
			return fmt.Errorf("%s is %v", name, st)
		}
		if n, _, _ := c.Catalog().Node(name, nil); n != nil {
			return fmt.Errorf("%s still in the catalog", name)
		}
		return nil
	})
}

func memberStatus(a *agent.Agent, name string) lan.MemberStatus {
	for _, m := range a.Members() {
		if m.Name == name {
			return m.Status
		}
	}
	return lan.StatusNone
}
