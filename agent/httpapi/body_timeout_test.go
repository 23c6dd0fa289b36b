package httpapi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// A client that announces a body and then stalls is cut off after the
// body read timeout, instead of holding the connection forever.
func TestStalledBodyTimesOut(t *testing.T) {
	fa, ts, _ := newTestServer(t, func(c *Config) { c.BodyReadTimeout = 200 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(conn, "PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	took := time.Since(start)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("stalled body answered %s %q", resp.Status, body)
		}
	}
	if took < 150*time.Millisecond || took > 3*time.Second {
		t.Errorf("stalled body cut off after %v, want about 200ms", took)
	}
	if n := fa.countCalls(catalog.MethodKVApply); n != 0 {
		t.Errorf("%d writes for a body that never arrived", n)
	}

	// A body that arrives in time is read whole, and the deadline does not
	// outlive it: the same connection serves a slow-to-answer request next.
	conn2, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	conn2.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn2)
	io.WriteString(conn2, "PUT /v1/kv/quick HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	resp, err = http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("prompt body: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	time.Sleep(400 * time.Millisecond) // past the body timeout
	io.WriteString(conn2, "GET /v1/kv/quick?raw HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err = http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("keep-alive request after a body: %v %v", resp, err)
	}
	if body, _ := io.ReadAll(resp.Body); string(body) != "hello" {
		t.Errorf("read back %q", body)
	}
}
