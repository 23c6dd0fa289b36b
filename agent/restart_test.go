package agent_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// TestSnapshotAndRestart writes past the snapshot threshold, restarts the
// server on the same data directory and checks that the store came back
// whole from snapshot plus trailing log.
func TestSnapshotAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restart test skipped in -short mode")
	}
	cfg := agenttest.DevConfig()
	cfg.DevMode = false
	cfg.DataDir = t.TempDir()
	cfg.RaftSnapshotThreshold = 64
	cfg.RaftSnapshotInterval = 100 * time.Millisecond
	cfg.RaftTrailingLogs = 16

	start := func() *agent.Agent {
		a, err := agent.New(cfg, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Shutdown() })
		agenttest.WaitFor(t, 10*time.Second, "leader serving reads", func() error {
			_, _, err := agenttest.Client(t, a).KV().Get("probe", nil)
			return err
		})
		return a
	}
	a := start()
	c := agenttest.Client(t, a)
	const n = 300
	for i := 0; i < n; i++ {
		if _, err := c.KV().Put(&api.KVPair{Key: "snap/" + strconv.Itoa(i), Value: []byte(strconv.Itoa(i))}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Catalog().Register(&api.CatalogRegistration{Node: "ext", Address: "10.1.1.1",
		Service: &api.AgentService{Service: "web", Tags: []string{"v1"}, Port: 80}}, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "a snapshot", func() error {
		if idx := a.Self().Stats["raft"]["last_snapshot_index"]; idx == "" || idx == "0" {
			return fmt.Errorf("last_snapshot_index %q", idx)
		}
		return nil
	})
	// Write after the snapshot so the restart needs snapshot and log.
	if _, err := c.KV().Put(&api.KVPair{Key: "snap/after", Value: []byte("tail")}, nil); err != nil {
		t.Fatal(err)
	}
	a.Shutdown()

	b := start()
	c = agenttest.Client(t, b)
	pairs, _, err := c.KV().List("snap/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != n+1 {
		t.Fatalf("after restart: %d keys, want %d", len(pairs), n+1)
	}
	if p, _, _ := c.KV().Get("snap/after", nil); p == nil || string(p.Value) != "tail" {
		t.Fatalf("write after the snapshot lost: %v", p)
	}
	svcs, _, err := c.Catalog().Service("web", "v1", nil)
	if err != nil || len(svcs) != 1 || svcs[0].Address != "10.1.1.1" {
		t.Fatalf("catalog after restart: %+v %v", svcs, err)
	}
}
