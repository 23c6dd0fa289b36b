package agent_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/go-hclog"
)

// limits.http_max_conns_per_client reaches the HTTP listener: a client IP
// over the limit gets 429, another IP is still served.
func TestHTTPConnectionsPerClientLimit(t *testing.T) {
	cfg := agenttest.DevConfig()
	cfg.HTTPMaxConnsPerClient = 2
	a, err := agent.New(cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown() })
	addr := a.HTTPAddrs()[0].String()

	status := func(from string) int {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "GET /v1/status/peers HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("from %s: %v", from, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, want := range []int{200, 200, 429} {
		if got := status("127.0.0.1"); got != want {
			t.Fatalf("connection %d from 127.0.0.1: status %d, want %d", i+1, got, want)
		}
	}
	if got := status("127.0.0.2"); got != 200 {
		t.Fatalf("connection from 127.0.0.2: status %d, want 200", got)
	}
}
