package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestClientServicesFollowTheAgent runs a server and a client agent as real
// processes. The client registers three services from its config
// directory; killed with SIGKILL, its services leave ?passing answers once
// gossip marks it failed, and they come back when it restarts.
func TestClientServicesFollowTheAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	const serverIP, clientIP = "127.0.0.21", "127.0.0.22"
	requireLoopbackAliases(t, serverIP, clientIP)

	cfgDir := t.TempDir()
	services := []string{"web", "api", "cache"}
	for i, name := range services {
		def := fmt.Sprintf(`{"service": {"name": %q, "port": %d, "tags": ["v1"]}}`, name, 8000+i)
		if err := os.WriteFile(filepath.Join(cfgDir, name+".json"), []byte(def), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	server := newNode(t, "srv", serverIP, append([]string{"-server", "-bootstrap-expect", "1"}, joinArgs(serverIP)...)...)
	client := newNode(t, "web-host", clientIP, append([]string{"-config-dir", cfgDir}, joinArgs(serverIP)...)...)
	server.start()
	client.start()
	sc := server.client()

	passing := func(name string) (int, error) {
		entries, _, err := sc.Health().Service(name, "", true, nil)
		return len(entries), err
	}
	allPassing := func(want int) func() error {
		return func() error {
			for _, name := range services {
				n, err := passing(name)
				if err != nil {
					return err
				}
				if n != want {
					return fmt.Errorf("%s: %d passing instances, want %d", name, n, want)
				}
			}
			return nil
		}
	}
	eventually(t, 30*time.Second, "the client's services pass", allPassing(1))

	client.kill()
	killed := time.Now()
	eventually(t, 30*time.Second, "the killed client's services leave ?passing", allPassing(0))
	t.Logf("services left ?passing %v after the client was killed", time.Since(killed).Round(10*time.Millisecond))
	// Still registered, just not healthy: the node may come back.
	if entries, _, err := sc.Health().Service("web", "", false, nil); err != nil || len(entries) != 1 {
		t.Fatalf("failed node's service: %d entries, %v", len(entries), err)
	}

	client.start()
	restarted := time.Now()
	eventually(t, 30*time.Second, "the restarted client's services pass again", allPassing(1))
	t.Logf("services passing again %v after the restart", time.Since(restarted).Round(10*time.Millisecond))
}
