package sdnotify

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNotify(t *testing.T) {
	// Unix socket paths are short (108 bytes); t.TempDir may be longer.
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := New(path).Notify(Ready, "STATUS=serving"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	ln.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := ln.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "READY=1\nSTATUS=serving" {
		t.Errorf("datagram %q", got)
	}
}

func TestNotifyWithoutSocket(t *testing.T) {
	n := New("")
	if n.Enabled() {
		t.Error("enabled without a socket")
	}
	if err := n.Notify(Ready); err != nil {
		t.Errorf("Notify without a socket: %v", err)
	}
}
