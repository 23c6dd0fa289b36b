package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/concord-dev/concord/catalog"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestErrorMapping(t *testing.T) {
	logs := &syncBuffer{}
	fa, ts, _ := newTestServer(t, func(c *Config) {
		c.Logger = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})
	})
	cases := []struct {
		err  error
		code int
		body string
	}{
		{catalog.BadRequestf("Missing node"), 400, "Bad request: Missing node"},
		{catalog.ErrorFromWire("Bad request: wire"), 400, "Bad request: wire"},
		{catalog.ErrPermissionDenied, 403, "Permission denied"},
		{fmt.Errorf("wrapped: %w", catalog.ErrNotFound), 404, "wrapped: Not found"},
		{catalog.ErrRateLimited, 429, "rate limit exceeded"},
		{catalog.ErrorFromWire("No path to datacenter: dc2"), 500, "No path to datacenter"},
		{catalog.ErrNoLeader, 500, "No cluster leader"},
		{catalog.ErrNoServers, 500, "No known Consul servers"},
		{errors.New("disk on fire"), 500, "disk on fire"},
	}
	for _, c := range cases {
		fa.mu.Lock()
		fa.errs[catalog.MethodCatalogNodes] = c.err
		fa.mu.Unlock()
		resp, body := do(t, ts, "GET", "/v1/catalog/nodes?token=sekrit-token", nil, "X-Consul-Token", "sekrit-header")
		expectStatus(t, resp, body, c.code)
		if body != c.body {
			t.Errorf("%v: body %q, want %q", c.err, body, c.body)
		}
		if resp.Header.Get("X-Consul-Index") != "" {
			t.Errorf("%v: error response carries X-Consul-Index", c.err)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "disk on fire") || !strings.Contains(out, "/v1/catalog/nodes") {
		t.Errorf("unexpected error not logged: %q", out)
	}
	if strings.Contains(out, "sekrit") {
		t.Errorf("a token reached the log: %q", out)
	}
	if strings.Contains(out, "Permission denied") {
		t.Errorf("an expected error was logged as a failure: %q", out)
	}
}

func TestReadHeaders(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	cases := []struct {
		query, consistency string
	}{
		{"", "leader"},
		{"?stale", "stale"},
		{"?consistent", "consistent"},
	}
	for _, c := range cases {
		resp, body := do(t, ts, "GET", "/v1/catalog/nodes"+c.query, nil)
		expectStatus(t, resp, body, http.StatusOK)
		h := resp.Header
		if h.Get("X-Consul-Index") != "10" || h.Get("X-Consul-KnownLeader") != "true" || h.Get("X-Consul-LastContact") != "3" {
			t.Errorf("meta headers %v", h)
		}
		if got := h.Get("X-Consul-Effective-Consistency"); got != c.consistency {
			t.Errorf("%q: consistency %q, want %q", c.query, got, c.consistency)
		}
		if h.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type %q", h.Get("Content-Type"))
		}
		if body != "[]" {
			t.Errorf("empty catalog body %q, want []", body)
		}
	}

	// The index is never 0, so a client's next blocking query blocks.
	fa.mu.Lock()
	fa.index = 0
	fa.mu.Unlock()
	resp, body := do(t, ts, "GET", "/v1/catalog/nodes", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if got := resp.Header.Get("X-Consul-Index"); got != "1" {
		t.Errorf("X-Consul-Index %q for index 0, want 1", got)
	}
}

func TestPretty(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	resp, body := do(t, ts, "GET", "/v1/status/peers?pretty", nil)
	expectStatus(t, resp, body, http.StatusOK)
	want := "[\n    \"10.0.0.1:8300\",\n    \"10.0.0.2:8300\"\n]\n"
	if body != want {
		t.Errorf("pretty body %q, want %q", body, want)
	}
	_, body = do(t, ts, "GET", "/v1/status/peers", nil)
	if body != `["10.0.0.1:8300","10.0.0.2:8300"]` {
		t.Errorf("compact body %q", body)
	}
}

func TestWriteJSONEncodingErrorIsNotSent(t *testing.T) {
	w := &discardWriter{h: http.Header{}}
	r, _ := http.NewRequest("GET", "/v1/x", nil)
	if err := writeJSON(w, r, http.StatusOK, map[string]interface{}{"c": make(chan int)}); err == nil {
		t.Fatal("a channel encoded without error")
	}
	if w.code != 0 || w.n != 0 || w.h.Get("Content-Type") != "" {
		t.Errorf("a failed encoding sent status %d, %d bytes, headers %v", w.code, w.n, w.h)
	}
}
