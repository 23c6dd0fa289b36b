package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// TestPeersJSONRecovery loses two of three servers for good, then
// brings the survivor back alone through raft/peers.json, as
// docs/operations.md tells an operator to: it leads a one-server quorum
// with the data written before the outage.
func TestPeersJSONRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	ips := []string{"127.0.0.181", "127.0.0.182", "127.0.0.183"}
	requireLoopbackAliases(t, ips...)
	var servers []*node
	for i, ip := range ips {
		args := append([]string{"-server", "-bootstrap-expect", "3"}, joinArgs(ips...)...)
		servers = append(servers, newNode(t, fmt.Sprintf("r%d", i+1), ip, args...))
	}
	for _, n := range servers {
		n.start()
	}
	survivor := servers[0]
	eventually(t, 45*time.Second, "a leader", func() error {
		_, err := leaderOf(survivor)
		return err
	})
	c := survivor.client()
	eventually(t, 30*time.Second, "a write", func() error {
		_, err := c.KV().Put(&api.KVPair{Key: "recovery/key", Value: []byte("before the outage")}, nil)
		return err
	})
	eventually(t, 30*time.Second, "the write on the survivor's replica", func() error {
		kv, _, err := c.KV().Get("recovery/key", &api.QueryOptions{AllowStale: true})
		if err == nil && kv == nil {
			err = fmt.Errorf("not there yet")
		}
		return err
	})

	// Two servers are lost for good; the survivor is stopped too, as
	// recovery requires.
	servers[1].kill()
	servers[2].kill()
	survivor.stop()

	id, err := os.ReadFile(filepath.Join(survivor.dataDir, "node-id"))
	if err != nil {
		t.Fatal(err)
	}
	peers, _ := json.Marshal([]map[string]interface{}{
		{"id": strings.TrimSpace(string(id)), "address": survivor.ip + ":8300", "non_voter": false},
	})
	raftDir := filepath.Join(survivor.dataDir, "raft")
	if err := os.WriteFile(filepath.Join(raftDir, "peers.json"), peers, 0o600); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(raftDir, "peers.info")) {
		t.Error("the server left no peers.info explaining peers.json")
	}

	survivor.start()
	eventually(t, 45*time.Second, "the survivor leads alone", func() error {
		l, err := leaderOf(survivor)
		if err == nil && l != survivor.ip+":8300" {
			err = fmt.Errorf("leader is %s", l)
		}
		return err
	})
	var kv *api.KVPair
	eventually(t, 30*time.Second, "a consistent read of the old data", func() error {
		var err error
		kv, _, err = c.KV().Get("recovery/key", &api.QueryOptions{RequireConsistent: true})
		return err
	})
	if kv == nil || string(kv.Value) != "before the outage" {
		t.Fatalf("after recovery recovery/key = %+v", kv)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "recovery/after", Value: []byte("1")}, nil); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
	conf, err := c.Operator().RaftGetConfiguration(nil)
	if err != nil || len(conf.Servers) != 1 || !conf.Servers[0].Voter {
		t.Fatalf("raft configuration after recovery: %+v %v", conf, err)
	}
	if exists(filepath.Join(raftDir, "peers.json")) || !exists(filepath.Join(raftDir, "peers.json.consumed")) {
		t.Fatal("peers.json was not renamed to peers.json.consumed after recovery")
	}

	// A restart does not apply it again and keeps the data.
	survivor.stop()
	survivor.start()
	eventually(t, 45*time.Second, "the survivor leads after a restart", func() error {
		kv, _, err := c.KV().Get("recovery/after", nil)
		if err == nil && kv == nil {
			err = fmt.Errorf("recovery/after missing")
		}
		return err
	})
}
