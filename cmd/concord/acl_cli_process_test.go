package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestACLCommandsAgainstAnAgent runs the acl verbs of the built binary
// against a real agent with ACLs on and default deny.
func TestACLCommandsAgainstAnAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	const ip = "127.0.0.41"
	requireLoopbackAliases(t, ip)
	const root = "7d2c3f0e-6a4b-4c1d-9e8f-0a1b2c3d4e5f"
	cfg := filepath.Join(t.TempDir(), "acl.json")
	if err := os.WriteFile(cfg, []byte(`{"acl": {"enabled": true, "default_policy": "deny",
		"tokens": {"initial_management": "`+root+`", "agent": "`+root+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	n := newNode(t, "acl-srv", ip, append([]string{"-server", "-bootstrap-expect", "1", "-config-file", cfg}, joinArgs(ip)...)...)
	n.start()

	run := func(token string, args ...string) (string, error) {
		return runConcordAt(t, ip+":8500", token, args...)
	}
	eventually(t, 30*time.Second, "the agent answers with the management token", func() error {
		_, err := run(root, "acl", "token", "read", "-self")
		return err
	})

	out, err := run(root, "acl", "policy", "create", "-name", "app", "-rules", `key_prefix "app/" { policy = "write" }`)
	if err != nil || !strings.Contains(out, "Name:         app") {
		t.Fatalf("acl policy create: %v\n%s", err, out)
	}
	out, err = run(root, "acl", "token", "create", "-description", "app writer", "-policy-name", "app", "-format", "json")
	if err != nil {
		t.Fatalf("acl token create: %v\n%s", err, out)
	}
	var tok struct{ AccessorID, SecretID string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.SecretID == "" {
		t.Fatalf("token JSON %q: %v", out, err)
	}
	if out, err := run(tok.SecretID, "kv", "put", "app/x", "1"); err != nil {
		t.Fatalf("kv put app/x with the app token: %v\n%s", err, out)
	}
	if out, err := run(tok.SecretID, "kv", "put", "other/x", "1"); err == nil || !strings.Contains(out, "403") {
		t.Fatalf("kv put other/x with the app token: %v\n%s", err, out)
	}
	if out, err := run("", "kv", "get", "app/x"); err == nil {
		t.Fatalf("anonymous kv get under default deny succeeded:\n%s", out)
	}
	out, err = run(root, "acl", "token", "list")
	if err != nil || !strings.Contains(out, tok.AccessorID) || !strings.Contains(out, "app writer") {
		t.Fatalf("acl token list: %v\n%s", err, out)
	}
	if out, err := run(root, "acl", "token", "delete", "-accessor-id", tok.AccessorID); err != nil {
		t.Fatalf("acl token delete: %v\n%s", err, out)
	}
	if out, err := run(tok.SecretID, "kv", "get", "app/x"); err == nil {
		t.Fatalf("a deleted token still reads:\n%s", out)
	}
}
