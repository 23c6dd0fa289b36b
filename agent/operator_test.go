package agent_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// raftLeader is the leader's entry in the Raft configuration.
func raftLeader(c *api.Client) (*api.RaftServer, error) {
	conf, err := c.Operator().RaftGetConfiguration(nil)
	if err != nil {
		return nil, err
	}
	for _, s := range conf.Servers {
		if s.Leader {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no leader in %d servers", len(conf.Servers))
}

// TestRaftTransferLeader moves leadership with consul/api's
// RaftLeaderTransfer: to any voter, then to a named one.
func TestRaftTransferLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, _ := agenttest.StartCluster(t, 3, 0)
	c := agenttest.Client(t, srvs[0])
	first, err := raftLeader(c)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := c.Operator().RaftLeaderTransfer("", nil)
	if err != nil || !out.Success {
		t.Fatalf("transfer to any voter: %+v %v", out, err)
	}
	t.Logf("transfer-leader answered after %v", time.Since(start))
	var second *api.RaftServer
	agenttest.WaitFor(t, 30*time.Second, "a new leader", func() error {
		l, err := raftLeader(c)
		if err == nil && l.ID == first.ID {
			err = fmt.Errorf("%s still leads", l.Node)
		}
		second = l
		return err
	})

	// To a named server: the one that has not led yet.
	conf, err := c.Operator().RaftGetConfiguration(nil)
	if err != nil {
		t.Fatal(err)
	}
	var target *api.RaftServer
	for _, s := range conf.Servers {
		if s.ID != first.ID && s.ID != second.ID {
			target = s
		}
	}
	if target == nil {
		t.Fatalf("no third server in %+v", conf.Servers)
	}
	agenttest.WaitFor(t, 30*time.Second, "transfer to "+target.Node, func() error {
		out, err := c.Operator().RaftLeaderTransfer(target.ID, nil)
		if err == nil && !out.Success {
			err = fmt.Errorf("no success")
		}
		return err
	})
	agenttest.WaitFor(t, 30*time.Second, target.Node+" leads", func() error {
		l, err := raftLeader(c)
		if err == nil && l.ID != target.ID {
			err = fmt.Errorf("%s leads", l.Node)
		}
		return err
	})

	// Unknown IDs and the refused methods.
	if _, err := c.Operator().RaftLeaderTransfer("no-such-server", nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("transfer to an unknown id: %v", err)
	}
	var ignored interface{}
	if _, err := c.Raw().Query("/v1/operator/raft/transfer-leader", &ignored, nil); err == nil || !strings.Contains(err.Error(), "405") {
		t.Fatalf("GET transfer-leader: %v", err)
	}
}

func TestAutopilotConfigurationAndHealth(t *testing.T) {
	_, addr, c := agenttest.StartDev(t)
	op := c.Operator()
	conf, err := op.AutopilotGetConfiguration(nil)
	if err != nil {
		t.Fatal(err)
	}
	def := api.NewAutopilotConfiguration()
	if conf.CleanupDeadServers != def.CleanupDeadServers || conf.LastContactThreshold.Duration() != def.LastContactThreshold.Duration() ||
		conf.MaxTrailingLogs != def.MaxTrailingLogs || conf.MinQuorum != 0 ||
		conf.ServerStabilizationTime.Duration() != def.ServerStabilizationTime.Duration() {
		t.Fatalf("default configuration %+v, want Consul's %+v", conf, def)
	}

	conf.CleanupDeadServers = false
	conf.MinQuorum = 3
	conf.MaxTrailingLogs = 99
	conf.LastContactThreshold = api.NewReadableDuration(time.Second)
	conf.ServerStabilizationTime = api.NewReadableDuration(7 * time.Second)
	if err := op.AutopilotSetConfiguration(conf, nil); err != nil {
		t.Fatal(err)
	}
	got, err := op.AutopilotGetConfiguration(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.CleanupDeadServers || got.MinQuorum != 3 || got.MaxTrailingLogs != 99 ||
		got.LastContactThreshold.Duration() != time.Second || got.ServerStabilizationTime.Duration() != 7*time.Second ||
		got.ModifyIndex == 0 || got.CreateIndex == 0 {
		t.Fatalf("after set: %+v", got)
	}

	// Check-and-set: a stale index loses, the current one wins.
	stale := *got
	stale.ModifyIndex--
	stale.MinQuorum = 5
	if ok, err := op.AutopilotCASConfiguration(&stale, nil); err != nil || ok {
		t.Fatalf("CAS with a stale index: %v %v", ok, err)
	}
	cur := *got
	cur.MinQuorum = 1
	if ok, err := op.AutopilotCASConfiguration(&cur, nil); err != nil || !ok {
		t.Fatalf("CAS with the current index: %v %v", ok, err)
	}
	if got, _ = op.AutopilotGetConfiguration(nil); got.MinQuorum != 1 || got.CreateIndex != cur.CreateIndex {
		t.Fatalf("after CAS: %+v", got)
	}

	// A bad body is a 400; GET-only health refuses PUT.
	if _, err := c.Raw().Write("/v1/operator/autopilot/configuration", map[string]string{"LastContactThreshold": "soon"}, nil, nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("bad duration: %v", err)
	}

	// The one server is healthy once autopilot has seen it.
	agenttest.WaitFor(t, 30*time.Second, "a healthy server", func() error {
		h, err := op.AutopilotServerHealth(nil)
		if err != nil {
			return err
		}
		if !h.Healthy || len(h.Servers) != 1 {
			return fmt.Errorf("health %+v", h)
		}
		s := h.Servers[0]
		if !s.Leader || !s.Voter || s.SerfStatus != "alive" || s.Name != "dev" || s.LastIndex == 0 || s.Version == "" {
			return fmt.Errorf("server %+v", s)
		}
		return nil
	})
	// The whole state, in consul/api's AutopilotState shape.
	st, err := op.AutopilotState(nil)
	if err != nil {
		t.Fatal(err)
	}
	self := st.Servers[st.Leader]
	if !st.Healthy || len(st.Voters) != 1 || st.Voters[0] != st.Leader || self.Name != "dev" ||
		self.Status != api.AutopilotServerLeader || self.NodeType != api.AutopilotTypeVoter || self.NodeStatus != "alive" {
		t.Fatalf("state %+v", st)
	}
	// The leader exports the same view as Consul's autopilot gauges.
	agenttest.WaitFor(t, 30*time.Second, "autopilot gauges", func() error {
		resp, err := http.Get("http://" + addr + "/v1/agent/metrics?format=prometheus")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, want := range []string{"\nconcord_autopilot_healthy 1\n", "\nconcord_autopilot_failure_tolerance 0\n"} {
			if !strings.Contains(string(body), want) {
				return fmt.Errorf("no %q in the exposition", strings.TrimSpace(want))
			}
		}
		return nil
	})
}

func TestAutopilotACL(t *testing.T) {
	_, client := startACLDev(t)
	anon := client("")
	if _, err := anon.Operator().AutopilotGetConfiguration(nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous get-config: %v", err)
	}
	if _, err := anon.Operator().AutopilotServerHealth(nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous health: %v", err)
	}
	if _, err := anon.Operator().RaftLeaderTransfer("", nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous transfer-leader: %v", err)
	}
	root := client(rootToken)
	// operator:read may read but not write.
	pol, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: "op-read", Rules: `operator = "read"`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := root.ACL().TokenCreate(&api.ACLToken{Policies: []*api.ACLTokenPolicyLink{{ID: pol.ID}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reader := client(tok.SecretID)
	conf, err := reader.Operator().AutopilotGetConfiguration(nil)
	if err != nil {
		t.Fatalf("operator:read get-config: %v", err)
	}
	if err := reader.Operator().AutopilotSetConfiguration(conf, nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("operator:read set-config: %v", err)
	}
	if err := root.Operator().AutopilotSetConfiguration(conf, nil); err != nil {
		t.Fatalf("management set-config: %v", err)
	}
}

// fastAutopilot runs autopilot's rounds every 250 ms in a test cluster.
func fastAutopilot(cfg *config.Config) { cfg.AutopilotInterval = 250 * time.Millisecond }

// startThreeServers starts a 3-server cluster with fast autopilot rounds
// and returns its leader and one follower.
func startThreeServers(t *testing.T) (leader, follower *agent.Agent) {
	t.Helper()
	srvs, _ := agenttest.StartClusterWith(t, 3, 0, fastAutopilot)
	for _, s := range srvs {
		if s.Self().Stats["consul"]["leader"] == "true" {
			leader = s
		} else {
			follower = s
		}
	}
	if leader == nil {
		t.Fatal("no leader")
	}
	return leader, follower
}

// raftServers maps node name to voter status in the Raft configuration.
func raftServers(c *api.Client) (map[string]bool, error) {
	conf, err := c.Operator().RaftGetConfiguration(nil)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, s := range conf.Servers {
		out[s.Node] = s.Voter
	}
	return out, nil
}

// TestAutopilotDeadServerCleanup kills one of three servers and starts a
// replacement. With min_quorum 3 the dead server keeps its seat until
// the replacement has joined; the replacement stays a non-voter for the
// stabilization time, is promoted, and the dead server is removed.
func TestAutopilotDeadServerCleanup(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	leader, victim := startThreeServers(t)
	c := agenttest.Client(t, leader)
	const stabilization = 4 * time.Second
	conf := api.NewAutopilotConfiguration()
	conf.MinQuorum = 3
	conf.ServerStabilizationTime = api.NewReadableDuration(stabilization)
	// The saturated test machine may miss a 200 ms heartbeat now and then.
	conf.LastContactThreshold = api.NewReadableDuration(2 * time.Second)
	if err := c.Operator().AutopilotSetConfiguration(&conf, nil); err != nil {
		t.Fatal(err)
	}

	dead := victim.Self().NodeName
	t.Logf("leader %s, stopping %s", leader.Self().NodeName, dead)
	victim.Shutdown()
	agenttest.WaitFor(t, 45*time.Second, "autopilot sees "+dead+" failed", func() error {
		h, err := c.Operator().AutopilotServerHealth(nil)
		if h == nil {
			return err
		}
		for _, s := range h.Servers {
			if s.Name == dead && s.SerfStatus == "failed" && !s.Healthy {
				if h.Healthy {
					return fmt.Errorf("cluster reported healthy with %s dead", dead)
				}
				return nil
			}
		}
		return fmt.Errorf("health %+v", h.Servers)
	})
	// Several autopilot rounds later the dead server still holds its
	// seat: removing it would leave fewer voters than min_quorum.
	time.Sleep(2 * time.Second)
	if servers, err := raftServers(c); err != nil || !servers[dead] {
		t.Fatalf("%s removed before a replacement joined: %v %v", dead, servers, err)
	}

	repl := agenttest.StartAgent(t, "s4", true, 0, fastAutopilot)
	joined := time.Now()
	if _, err := repl.Join([]string{agenttest.LANAddr(leader)}); err != nil {
		t.Fatal(err)
	}
	var addedAt, promotedAt time.Time
	agenttest.WaitFor(t, 60*time.Second, "s4 promoted and "+dead+" removed", func() error {
		servers, err := raftServers(c)
		if err != nil {
			return err
		}
		voter, in := servers["s4"]
		if in && addedAt.IsZero() {
			addedAt = time.Now()
		}
		if _, still := servers[dead]; in && !voter && !still {
			t.Fatalf("%s removed while s4 was still a non-voter: %v", dead, servers)
		}
		if voter && promotedAt.IsZero() {
			promotedAt = time.Now()
		}
		if _, still := servers[dead]; still || !voter || len(servers) != 3 {
			return fmt.Errorf("raft configuration %v", servers)
		}
		return nil
	})
	t.Logf("s4 joined the pool, entered raft %v later, became a voter %v after joining; %s removed",
		addedAt.Sub(joined), promotedAt.Sub(joined), dead)
	if promotedAt.Sub(joined) < stabilization {
		t.Fatalf("s4 promoted %v after joining, before the %v stabilization time", promotedAt.Sub(joined), stabilization)
	}
	// The dead server left the pool too, and the cluster is healthy again.
	agenttest.WaitFor(t, 30*time.Second, "a healthy cluster of three", func() error {
		h, err := c.Operator().AutopilotServerHealth(nil)
		if err != nil {
			return err
		}
		if !h.Healthy || len(h.Servers) != 3 || h.FailureTolerance != 1 {
			return fmt.Errorf("health %+v", h)
		}
		return nil
	})
	if _, err := c.KV().Put(&api.KVPair{Key: "after/replacement", Value: []byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRaftRemovePeerDeadServer removes a dead server by hand, with
// autopilot's cleanup off: the quorum is two of two afterwards and
// writes go on.
func TestRaftRemovePeerDeadServer(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	leader, victim := startThreeServers(t)
	c := agenttest.Client(t, leader)
	conf := api.NewAutopilotConfiguration()
	conf.CleanupDeadServers = false
	if err := c.Operator().AutopilotSetConfiguration(&conf, nil); err != nil {
		t.Fatal(err)
	}
	dead := victim.Self().NodeName
	id := victim.Self().NodeID
	victim.Shutdown()
	agenttest.WaitFor(t, 45*time.Second, dead+" failed", func() error {
		if st := memberStatus(leader, dead); st.String() != "failed" {
			return fmt.Errorf("%s is %v", dead, st)
		}
		return nil
	})
	time.Sleep(time.Second) // an autopilot round or four
	if servers, _ := raftServers(c); !servers[dead] {
		t.Fatalf("%s removed with cleanup off: %v", dead, servers)
	}
	if err := c.Operator().RaftRemovePeerByID(id, nil); err != nil {
		t.Fatalf("remove-peer %s: %v", id, err)
	}
	servers, err := raftServers(c)
	if err != nil || len(servers) != 2 || servers[dead] {
		t.Fatalf("after remove-peer: %v %v", servers, err)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "after/remove-peer", Value: []byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestAutopilotConfigFileSeedsTheDefault: the autopilot {} block is what
// the leader uses until an operator stores a configuration.
func TestAutopilotConfigFileSeedsTheDefault(t *testing.T) {
	_, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Autopilot.MinQuorum = 2
		cfg.Autopilot.ServerStabilizationTime = 42 * time.Second
	})
	conf, err := c.Operator().AutopilotGetConfiguration(nil)
	if err != nil || conf.MinQuorum != 2 || conf.ServerStabilizationTime.Duration() != 42*time.Second || conf.ModifyIndex != 0 {
		t.Fatalf("configuration %+v %v", conf, err)
	}
}

// TestAutopilotStabilization: a server that joins an existing quorum is
// a non-voter until it has been healthy for server_stabilization_time,
// then autopilot promotes it.
func TestAutopilotStabilization(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, _ := agenttest.StartClusterWith(t, 1, 0, fastAutopilot)
	started := time.Now()
	c := agenttest.Client(t, srvs[0])
	const stabilization = 3 * time.Second
	conf := api.NewAutopilotConfiguration()
	conf.ServerStabilizationTime = api.NewReadableDuration(stabilization)
	conf.LastContactThreshold = api.NewReadableDuration(2 * time.Second)
	if err := c.Operator().AutopilotSetConfiguration(&conf, nil); err != nil {
		t.Fatal(err)
	}
	// Autopilot waives the stabilization time until it has itself been
	// running that long (a new leader would otherwise stall promotions).
	time.Sleep(time.Until(started.Add(stabilization + 500*time.Millisecond)))

	s2 := agenttest.StartAgent(t, "s2", true, 0, fastAutopilot)
	// notBefore is an instant s2 was certainly not yet in the Raft
	// configuration: before the join, then the start of each poll that
	// found it absent.
	notBefore := time.Now()
	if _, err := s2.Join([]string{agenttest.LANAddr(srvs[0])}); err != nil {
		t.Fatal(err)
	}
	var sawNonVoter bool
	var promoted time.Time
	agenttest.WaitFor(t, 45*time.Second, "s2 promoted", func() error {
		pollStart := time.Now()
		servers, err := raftServers(c)
		if err != nil {
			return err
		}
		voter, in := servers["s2"]
		switch {
		case !in:
			notBefore = pollStart
			return fmt.Errorf("s2 not in raft yet")
		case !voter:
			sawNonVoter = true
			return fmt.Errorf("s2 still a non-voter")
		}
		promoted = time.Now()
		return nil
	})
	if !sawNonVoter {
		t.Fatal("s2 was never seen as a non-voter: it joined as a voter")
	}
	// s2 became healthy after it was added, so it cannot have been
	// promoted sooner than the stabilization time after notBefore.
	if took := promoted.Sub(notBefore); took < stabilization {
		t.Fatalf("s2 was a voter %v after it was added, before the %v stabilization time", took, stabilization)
	}
	t.Logf("s2 became a voter %v after it was added", promoted.Sub(notBefore))
}
