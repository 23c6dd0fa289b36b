package agent_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
	dto "github.com/prometheus/client_model/go"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/lan"
)

// freeGossipPort returns a port free for both TCP and UDP on 127.0.0.1,
// so an agent can be restarted on the same gossip address (memberlist
// refuses a failed member's name at another address).
func freeGossipPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		ln.Close()
		if err == nil {
			pc.Close()
			return port
		}
	}
	t.Fatal("no port free for both TCP and UDP")
	return 0
}

// TestMetricsGossipSnapshotChecks: the serf/memberlist families move when
// a client agent joins, dies and comes back within a minute (a flap); the
// Raft snapshot timings move on a snapshot save and restore; check runs
// are counted by status.
func TestMetricsGossipSnapshotChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a member to fail (-short)")
	}
	dev, addr, c := agenttest.StartDevWith(t, nil)
	before, code := scrape(t, addr, "")
	if code != http.StatusOK {
		t.Fatalf("scrape: %d", code)
	}
	for _, name := range []string{
		"concord_serf_member_join", "concord_serf_member_update", "concord_serf_member_failed",
		"concord_serf_member_left", "concord_serf_member_flap", "concord_memberlist_health_score",
		"concord_memberlist_degraded_probe", "concord_memberlist_degraded_timeout",
		"concord_memberlist_msg_alive", "concord_memberlist_msg_suspect", "concord_memberlist_msg_dead",
		"concord_memberlist_probeNode", "concord_memberlist_pushPullNode",
		"concord_raft_snapshot_create", "concord_raft_snapshot_persist",
		"concord_raft_fsm_snapshot", "concord_raft_fsm_restore", "concord_health_check_runs",
	} {
		if _, ok := before[name]; !ok {
			t.Errorf("family %s missing", name)
		}
	}
	lanOnly := map[string]string{"network": "lan"}

	// Check runs by status: a TTL check reports what it is told.
	if err := c.Agent().CheckRegister(&api.AgentCheckRegistration{ID: "ttl", Name: "ttl",
		AgentServiceCheck: api.AgentServiceCheck{TTL: "1m"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().UpdateTTL("ttl", "ok", api.HealthPassing); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().UpdateTTL("ttl", "bad", api.HealthCritical); err != nil {
		t.Fatal(err)
	}

	// A snapshot save and its restore.
	rc, _, err := c.Snapshot().Save(nil)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
		t.Fatal(err)
	}

	// A client joins, is killed (no leave), is seen failed, and comes
	// back on the same address within FlapTimeout.
	server := agenttest.LANAddr(dev)
	port := freeGossipPort(t)
	startClient := func() *agent.Agent {
		cfg := agenttest.DevConfig()
		cfg.DevMode = false
		cfg.DataDir = t.TempDir()
		cfg.Server = false
		cfg.Bootstrap = false
		cfg.NodeName = "flappy"
		cfg.Ports.SerfLAN = port
		a, err := agent.New(cfg, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Shutdown() })
		if _, err := a.Join([]string{server}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	memberStatus := func(want lan.MemberStatus) func() error {
		return func() error {
			ms, err := c.Agent().Members(false)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Name == "flappy" && m.Status == int(want) {
					return nil
				}
			}
			return fmt.Errorf("flappy is not %v: %+v", want, ms)
		}
	}
	cl := startClient()
	agenttest.WaitFor(t, 30*time.Second, "the client alive", memberStatus(lan.StatusAlive))
	cl.Shutdown()
	agenttest.WaitFor(t, 45*time.Second, "the client failed", memberStatus(lan.StatusFailed))
	startClient()
	agenttest.WaitFor(t, 30*time.Second, "the client alive again", memberStatus(lan.StatusAlive))

	after, _ := scrape(t, addr, "")
	moved := []struct {
		name   string
		labels map[string]string
	}{
		{"concord_health_check_runs", map[string]string{"status": "passing"}},
		{"concord_health_check_runs", map[string]string{"status": "critical"}},
		{"concord_raft_snapshot_create", nil},
		{"concord_raft_snapshot_persist", nil},
		{"concord_raft_fsm_snapshot", nil},
		{"concord_raft_fsm_restore", nil},
		{"concord_serf_member_join", lanOnly},
		{"concord_serf_member_failed", lanOnly},
		{"concord_serf_member_flap", lanOnly},
		{"concord_memberlist_msg_alive", lanOnly},
		{"concord_memberlist_msg_suspect", lanOnly},
		{"concord_memberlist_msg_dead", lanOnly},
		{"concord_memberlist_probeNode", lanOnly},
	}
	for _, mv := range moved {
		b, af := sum(before, mv.name, mv.labels), sum(after, mv.name, mv.labels)
		if b < 0 {
			b = 0
		}
		if !(af > b) {
			t.Errorf("%s%v did not rise: %v -> %v", mv.name, mv.labels, b, af)
		}
	}
	if v := sum(after, "concord_serf_member_flap", lanOnly); v != 1 {
		t.Errorf("flaps = %v, want 1", v)
	}
	if v := sum(after, "concord_serf_member_left", lanOnly); v != 0 {
		t.Errorf("left = %v, want 0 (nobody left gracefully)", v)
	}
	assertNoRouteLabel(t, after)
}

// assertNoRouteLabel: the label that routes memberlist's go-metrics
// calls to a registry never reaches the exposition.
func assertNoRouteLabel(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "concord_registry" {
					t.Errorf("%s carries the routing label", name)
				}
			}
		}
	}
}

// TestMetricsForwarding: a client agent counts the RPCs it makes; a
// follower counts the calls it forwards to the leader.
func TestMetricsForwarding(t *testing.T) {
	srvs, clis := agenttest.StartCluster(t, 2, 1)
	var follower *agent.Agent
	agenttest.WaitFor(t, 30*time.Second, "a follower", func() error {
		for _, s := range srvs {
			fams, _ := scrape(t, s.HTTPAddrs()[0].String(), "")
			if l, err := agenttest.Client(t, s).Status().Leader(); err == nil && l != "" && sum(fams, "concord_server_isLeader", nil) == 0 {
				follower = s
				return nil
			}
		}
		return fmt.Errorf("no follower yet")
	})
	clientAddr := clis[0].HTTPAddrs()[0].String()
	followerAddr := follower.HTTPAddrs()[0].String()
	cBefore, _ := scrape(t, clientAddr, "")
	fBefore, _ := scrape(t, followerAddr, "")
	for _, name := range []string{"concord_client_rpc", "concord_client_rpc_failed"} {
		if _, ok := cBefore[name]; !ok {
			t.Errorf("family %s missing on the client", name)
		}
	}
	for _, a := range []string{clientAddr, followerAddr} {
		cfg := api.DefaultConfig()
		cfg.Address = a
		c, err := api.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.KV().Put(&api.KVPair{Key: "fwd/" + a, Value: []byte("1")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	cAfter, _ := scrape(t, clientAddr, "")
	fAfter, _ := scrape(t, followerAddr, "")
	if b, a := sum(cBefore, "concord_client_rpc", nil), sum(cAfter, "concord_client_rpc", nil); !(a > b) {
		t.Errorf("client_rpc did not rise: %v -> %v", b, a)
	}
	kvs := map[string]string{"method": "KVS.Apply"}
	if b, a := max(sum(fBefore, "concord_rpc_forward", kvs), 0), sum(fAfter, "concord_rpc_forward", kvs); !(a > b) {
		t.Errorf("rpc_forward{KVS.Apply} on the follower did not rise: %v -> %v", b, a)
	}
}
