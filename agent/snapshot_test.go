package agent_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// saveSnapshot saves a snapshot through c and returns the archive.
func saveSnapshot(t *testing.T, c *api.Client, q *api.QueryOptions) ([]byte, uint64) {
	t.Helper()
	rc, qm, err := c.Snapshot().Save(q)
	if err != nil {
		t.Fatalf("snapshot save: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b, qm.LastIndex
}

// TestSnapshotSaveRestoreACL saves the state of an agent with ACLs on,
// restores it onto a fresh agent and finds KV, catalog, sessions and ACL
// objects again; damaged archives are refused and change nothing.
func TestSnapshotSaveRestoreACL(t *testing.T) {
	root, client := startACLDev(t)
	if _, err := root.KV().Put(&api.KVPair{Key: "app/config", Value: []byte("v1")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Catalog().Register(&api.CatalogRegistration{Node: "ext", Address: "10.0.0.9",
		Service: &api.AgentService{ID: "db1", Service: "db", Port: 5432}}, nil); err != nil {
		t.Fatal(err)
	}
	sessID, _, err := root.Session().Create(&api.SessionEntry{Name: "backup-lock"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reader := tokenWith(t, root, "kv-reader", `key_prefix "" { policy = "read" }`)

	if _, _, err := client(reader).Snapshot().Save(nil); !isForbidden(err) {
		t.Fatalf("save with a token without acl:write: %v, want 403", err)
	}
	archive, index := saveSnapshot(t, root, nil)
	if index == 0 || len(archive) == 0 {
		t.Fatalf("save gave index %d, %d bytes", index, len(archive))
	}
	stale, _ := saveSnapshot(t, root, &api.QueryOptions{AllowStale: true})
	if len(stale) == 0 {
		t.Fatal("stale save gave nothing")
	}

	fresh, freshClient := startACLDev(t)
	if err := freshClient(reader).Snapshot().Restore(nil, bytes.NewReader(archive)); err == nil {
		t.Fatal("restore with a token unknown to the fresh agent succeeded")
	}
	if _, err := fresh.KV().Put(&api.KVPair{Key: "only/fresh", Value: []byte("x")}, nil); err != nil {
		t.Fatal(err)
	}

	// Damaged archives: refused with 400 and a reason, state untouched.
	flipped := append([]byte(nil), archive...)
	flipped[len(flipped)/2] ^= 0x20
	for name, bad := range map[string][]byte{
		"flipped byte": flipped,
		"truncated":    archive[:len(archive)*2/3],
	} {
		err := fresh.Snapshot().Restore(nil, bytes.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "snapshot archive is invalid") {
			t.Fatalf("%s archive: %v, want a 400 saying it is invalid", name, err)
		}
	}
	if p, _, err := fresh.KV().Get("only/fresh", nil); err != nil || p == nil {
		t.Fatalf("a refused restore changed the state: %v %v", p, err)
	}

	if err := fresh.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
		t.Fatalf("restore: %v", err)
	}
	agenttest.WaitFor(t, 5*time.Second, "restored state", func() error {
		if p, _, err := fresh.KV().Get("app/config", nil); err != nil || p == nil || string(p.Value) != "v1" {
			return fmt.Errorf("app/config: %v %v", p, err)
		}
		return nil
	})
	if p, _, err := fresh.KV().Get("only/fresh", nil); err != nil || p != nil {
		t.Fatalf("a key written after the snapshot survived the restore: %v %v", p, err)
	}
	svcs, _, err := fresh.Catalog().Service("db", "", nil)
	if err != nil || len(svcs) != 1 || svcs[0].Node != "ext" {
		t.Fatalf("catalog after restore: %v %v", svcs, err)
	}
	if s, _, err := fresh.Session().Info(sessID, nil); err != nil || s == nil || s.Name != "backup-lock" {
		t.Fatalf("session after restore: %v %v", s, err)
	}
	if _, _, err := fresh.ACL().PolicyReadByName("kv-reader", nil); err != nil {
		t.Fatalf("policy after restore: %v", err)
	}
	// The restored token works on the agent that had never seen it.
	if p, _, err := freshClient(reader).KV().Get("app/config", nil); err != nil || p == nil {
		t.Fatalf("read with the restored token: %v %v", p, err)
	}
}

// TestSnapshotClusterRestore saves through a client agent of a 3-server
// cluster, wipes the keys, restores through the client and sees every
// server, followers included, hold the restored state.
func TestSnapshotClusterRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, clis := agenttest.StartCluster(t, 3, 1)
	c := agenttest.Client(t, clis[0])
	for i := 0; i < 20; i++ {
		if _, err := c.KV().Put(&api.KVPair{Key: fmt.Sprintf("data/%02d", i), Value: []byte("x")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	archive, _ := saveSnapshot(t, c, nil)
	if _, err := c.KV().DeleteTree("data/", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
		t.Fatalf("restore through a client agent: %v", err)
	}
	for _, s := range srvs {
		agenttest.WaitFor(t, 10*time.Second, "restored keys on "+s.Self().NodeName, func() error {
			keys, _, err := agenttest.Client(t, s).KV().Keys("data/", "", &api.QueryOptions{AllowStale: true})
			if err == nil && len(keys) != 20 {
				err = fmt.Errorf("%d keys", len(keys))
			}
			return err
		})
	}
	// The cluster still takes writes after the restore.
	if _, err := c.KV().Put(&api.KVPair{Key: "after", Value: []byte("y")}, nil); err != nil {
		t.Fatalf("write after restore: %v", err)
	}
}
