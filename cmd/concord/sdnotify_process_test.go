package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSystemdNotify runs a real agent under a fake systemd: a unixgram
// listener in $NOTIFY_SOCKET. READY=1 must arrive once the HTTP API
// serves, RELOADING=1 then READY=1 around a SIGHUP reload, and
// STOPPING=1 on SIGTERM.
func TestSystemdNotify(t *testing.T) {
	const ip = "127.0.0.126"
	requireLoopbackAliases(t, ip)
	// Unix socket paths are limited to 108 bytes; t.TempDir may be longer.
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	// A config file the reload reads again.
	cfgFile := filepath.Join(t.TempDir(), "agent.json")
	if err := os.WriteFile(cfgFile, []byte(`{"log_level": "debug"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	n := newNode(t, "notified", ip, "-server", "-bootstrap-expect", "1", "-config-file", cfgFile)
	cmd := exec.Command(concordBinary(t), n.args...)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	cmd.Stdout = lockedWriter{&n.mu, n.log}
	cmd.Stderr = lockedWriter{&n.mu, n.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	n.cmd = cmd
	n.mu.Unlock()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	next := func(what string) string {
		t.Helper()
		buf := make([]byte, 4096)
		ln.SetReadDeadline(time.Now().Add(30 * time.Second))
		k, err := ln.Read(buf)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		return string(buf[:k])
	}
	has := func(msg, state string) bool {
		for _, line := range strings.Split(msg, "\n") {
			if line == state {
				return true
			}
		}
		return false
	}

	msg := next("READY=1")
	if !has(msg, "READY=1") {
		t.Fatalf("first notification %q, want READY=1", msg)
	}
	// The API serves the moment READY=1 is sent: no retry.
	if _, err := n.client().Agent().Self(); err != nil {
		t.Fatalf("the HTTP API does not serve at READY=1: %v", err)
	}

	n.signal(syscall.SIGHUP)
	if msg := next("RELOADING=1"); !has(msg, "RELOADING=1") {
		t.Fatalf("after SIGHUP: %q, want RELOADING=1", msg)
	}
	if msg := next("READY=1 after the reload"); !has(msg, "READY=1") {
		t.Fatalf("after the reload: %q, want READY=1", msg)
	}

	n.signal(syscall.SIGTERM)
	if msg := next("STOPPING=1"); !has(msg, "STOPPING=1") {
		t.Fatalf("after SIGTERM: %q, want STOPPING=1", msg)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not exit after SIGTERM")
	}
	n.mu.Lock()
	n.cmd = nil
	n.mu.Unlock()
}
