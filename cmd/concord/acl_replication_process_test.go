package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// TestACLReplicationProcesses federates two one-server datacenters as
// real processes (127.0.0.221 primary dc1, 127.0.0.222 dc2 with token
// replication): a token made with the CLI in dc1 reaches dc2, reads KV
// there, and keeps working in dc2 after dc1's server is killed.
func TestACLReplicationProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	const ip1, ip2 = "127.0.0.221", "127.0.0.222"
	requireLoopbackAliases(t, ip1, ip2)
	const root = "a1c9e3f2-5b7d-4e61-8f0a-2b3c4d5e6f70"
	dir := t.TempDir()
	writeConf := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf1 := writeConf("dc1.json", `{"primary_datacenter": "dc1", "acl": {"enabled": true, "default_policy": "deny",
		"tokens": {"initial_management": "`+root+`", "agent": "`+root+`"}}}`)
	conf2 := writeConf("dc2.json", `{"primary_datacenter": "dc1", "acl": {"enabled": true, "default_policy": "deny",
		"enable_token_replication": true, "tokens": {"replication": "`+root+`", "agent": "`+root+`"}}}`)
	wanArgs := []string{"-retry-join-wan", ip1, "-retry-join-wan", ip2, "-retry-interval-wan", "500ms"}
	s1 := newNode(t, "s1", ip1, append(append([]string{"-server", "-datacenter", "dc1", "-bootstrap-expect", "1", "-config-file", conf1}, joinArgs(ip1)...), wanArgs...)...)
	s2 := newNode(t, "s2", ip2, append(append([]string{"-server", "-datacenter", "dc2", "-bootstrap-expect", "1", "-config-file", conf2}, joinArgs(ip2)...), wanArgs...)...)
	s1.start()
	s2.start()

	run := func(ip, token string, args ...string) (string, error) {
		return runConcordAt(t, ip+":8500", token, args...)
	}
	eventually(t, 60*time.Second, "dc1 answers with the management token", func() error {
		_, err := run(ip1, root, "acl", "token", "read", "-self")
		return err
	})
	if out, err := run(ip1, root, "acl", "policy", "create", "-name", "app", "-rules", `key_prefix "app/" { policy = "read" }`); err != nil {
		t.Fatalf("acl policy create: %v\n%s", err, out)
	}
	out, err := run(ip1, root, "acl", "token", "create", "-description", "app reader", "-policy-name", "app", "-format", "json")
	if err != nil {
		t.Fatalf("acl token create: %v\n%s", err, out)
	}
	var tok struct{ AccessorID, SecretID string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.SecretID == "" {
		t.Fatalf("token JSON %q: %v", out, err)
	}
	eventually(t, 60*time.Second, "dc2 stores app/x with the root token", func() error {
		out, err := run(ip2, root, "kv", "put", "app/x", "from-dc2")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})

	cfg := api.DefaultConfig()
	cfg.Address = ip2 + ":8500"
	c2, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "dc2 replicates tokens from dc1", func() error {
		st, _, err := c2.ACL().Replication(nil)
		if err != nil {
			return err
		}
		if !st.Running || st.ReplicationType != "tokens" || st.SourceDatacenter != "dc1" || st.ReplicatedTokenIndex == 0 {
			return fmt.Errorf("status %+v", st)
		}
		if out, err := run(ip2, root, "acl", "token", "read", "-id", tok.AccessorID); err != nil {
			return fmt.Errorf("token not in dc2 yet: %v: %s", err, out)
		}
		return nil
	})
	if out, err := run(ip2, tok.SecretID, "kv", "get", "app/x"); err != nil || out != "from-dc2\n" {
		t.Fatalf("kv get app/x in dc2 with the dc1 token: %v\n%s", err, out)
	}

	// dc1 gone: dc2 keeps authorizing from its copy.
	s1.kill()
	for i := 0; i < 3; i++ {
		if out, err := run(ip2, tok.SecretID, "kv", "get", "app/x"); err != nil || out != "from-dc2\n" {
			t.Fatalf("kv get app/x in dc2 with dc1 down: %v\n%s", err, out)
		}
		if out, err := run(ip2, tok.SecretID, "kv", "put", "app/x", "no"); err == nil {
			t.Fatalf("a read-only token wrote in dc2 with dc1 down:\n%s", out)
		}
	}
}

// runConcordAt runs the built concord with args against the agent at
// addr, sending token, and returns its combined output.
func runConcordAt(t *testing.T, addr, token string, args ...string) (string, error) {
	cmd := exec.Command(concordBinary(t), args...)
	cmd.Env = append(os.Environ(), "CONSUL_HTTP_ADDR="+addr, "CONSUL_HTTP_TOKEN="+token)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
