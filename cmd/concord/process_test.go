package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// binPath is the concord binary built once for the process tests.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func concordBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "concord-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "concord")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// node is one concord agent run as a real process on its own loopback IP.
type node struct {
	t       *testing.T
	name    string
	ip      string
	dataDir string
	args    []string
	log     *bytes.Buffer

	mu  sync.Mutex
	cmd *exec.Cmd
}

func newNode(t *testing.T, name, ip string, args ...string) *node {
	n := &node{t: t, name: name, ip: ip, dataDir: filepath.Join(t.TempDir(), name), log: &bytes.Buffer{}}
	n.args = append([]string{"agent", "-node", name, "-bind", ip, "-client", ip, "-data-dir", n.dataDir, "-log-level", "debug"}, args...)
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			n.mu.Lock()
			logs := n.log.String()
			n.mu.Unlock()
			if len(logs) > 6000 {
				logs = logs[len(logs)-6000:]
			}
			t.Logf("---- %s log tail ----\n%s", name, logs)
		}
	})
	return n
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func (n *node) start() {
	n.t.Helper()
	cmd := exec.Command(concordBinary(n.t), n.args...)
	cmd.Stdout = lockedWriter{&n.mu, n.log}
	cmd.Stderr = lockedWriter{&n.mu, n.log}
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", n.name, err)
	}
	n.mu.Lock()
	n.cmd = cmd
	n.mu.Unlock()
	go cmd.Wait()
}

func (n *node) signal(sig syscall.Signal) {
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Signal(sig)
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (n *node) kill() {
	n.signal(syscall.SIGKILL)
	n.waitExit(10 * time.Second)
}

// stop sends SIGTERM and waits for a clean exit.
func (n *node) stop() {
	n.signal(syscall.SIGTERM)
	n.waitExit(20 * time.Second)
}

func (n *node) waitExit(d time.Duration) {
	n.mu.Lock()
	cmd := n.cmd
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cmd.Process.Signal(syscall.Signal(0)) != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The ports must be free before the next start on them.
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", n.ip+":8500", 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *node) client() *api.Client {
	cfg := api.DefaultConfig()
	cfg.Address = n.ip + ":8500"
	cfg.WaitTime = 2 * time.Second
	c, err := api.NewClient(cfg)
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

// eventually polls cond every 50 ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for i := 0; time.Now().Before(deadline) && i < 100000; i++ {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, d, err)
}

func leaderOf(n *node) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l, err := n.client().Status().LeaderWithQueryOptions((&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return "", err
	}
	if l == "" {
		return "", fmt.Errorf("%s knows no leader", n.name)
	}
	return l, nil
}

func requireLoopbackAliases(t *testing.T, ips ...string) {
	t.Helper()
	for _, ip := range ips {
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Skipf("loopback address %s is not usable here (%v); these tests need 127.0.0.0/8 routed to lo, as Linux does", ip, err)
		}
		ln.Close()
	}
}

func joinArgs(ips ...string) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, "-retry-join", ip)
	}
	return append(out, "-retry-interval", "500ms")
}

func hostOf(addr string) string {
	h, _, _ := strings.Cut(addr, ":")
	return h
}
