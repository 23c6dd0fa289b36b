package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestTokenAndDatacenter(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	cases := []struct {
		name   string
		path   string
		header []string
		token  string
	}{
		{"header", "/v1/kv/a", []string{"X-Consul-Token", "t-header"}, "t-header"},
		{"bearer", "/v1/kv/a", []string{"Authorization", "Bearer t-bearer"}, "t-bearer"},
		{"query", "/v1/kv/a?token=t-query", []string{"X-Consul-Token", "t-header"}, "t-query"},
		{"none", "/v1/kv/a", nil, ""},
	}
	for _, c := range cases {
		resp, body := do(t, ts, "GET", c.path, nil, c.header...)
		expectStatus(t, resp, body, http.StatusNotFound)
		args := fa.lastCall(catalog.MethodKVGet).(*catalog.KeyRequest)
		if args.Token != c.token || args.Datacenter != "dc1" {
			t.Errorf("%s: token %q dc %q, want %q dc1", c.name, args.Token, args.Datacenter, c.token)
		}
	}

	// Writes carry them in the WriteRequest, ?dc= included.
	resp, body := do(t, ts, "PUT", "/v1/kv/a?dc=dc1", strings.NewReader("v"), "X-Consul-Token", "w")
	expectStatus(t, resp, body, http.StatusOK)
	kv := fa.lastCall(catalog.MethodKVApply).(*catalog.KVRequest)
	if kv.Token != "w" || kv.Datacenter != "dc1" {
		t.Errorf("write request %+v", kv.WriteRequest)
	}

	// An unknown datacenter is Consul's 500 "No path to datacenter".
	resp, body = do(t, ts, "GET", "/v1/kv/a?dc=dc9", nil)
	expectStatus(t, resp, body, http.StatusInternalServerError)
	if body != "No path to datacenter" {
		t.Errorf("unknown dc body %q", body)
	}
	if args := fa.lastCall(catalog.MethodKVGet).(*catalog.KeyRequest); args.Datacenter != "dc9" {
		t.Errorf("dc %q passed, want dc9", args.Datacenter)
	}
}

func TestQueryOptionParsing(t *testing.T) {
	fa, ts, _ := newTestServer(t, func(c *Config) { c.DefaultWait = time.Minute; c.MaxWait = 2 * time.Minute })
	bad := []struct{ query, body string }{
		{"index=abc", "Invalid index"},
		{"index=-1", "Invalid index"},
		{"index=5&wait=forever", "Invalid wait time"},
		{"wait=-3s", "Invalid wait time"},
		{"stale&consistent", "Cannot specify ?stale with ?consistent, conflicting semantics."},
	}
	for _, c := range bad {
		resp, body := do(t, ts, "GET", "/v1/catalog/nodes?"+c.query, nil)
		expectStatus(t, resp, body, http.StatusBadRequest)
		if body != c.body {
			t.Errorf("?%s: body %q, want %q", c.query, body, c.body)
		}
	}
	if n := fa.countCalls(catalog.MethodCatalogNodes); n != 0 {
		t.Errorf("%d RPCs made for rejected requests", n)
	}

	good := []struct {
		query string
		want  catalog.QueryOptions
	}{
		{"", catalog.QueryOptions{}},
		{"index=7", catalog.QueryOptions{MinQueryIndex: 7, MaxQueryTime: time.Minute}},
		{"index=7&wait=10s", catalog.QueryOptions{MinQueryIndex: 7, MaxQueryTime: 10 * time.Second}},
		{"index=7&wait=1500ms", catalog.QueryOptions{MinQueryIndex: 7, MaxQueryTime: 1500 * time.Millisecond}},
		{"index=7&wait=1h", catalog.QueryOptions{MinQueryIndex: 7, MaxQueryTime: 2 * time.Minute}},
		{"stale", catalog.QueryOptions{AllowStale: true}},
		{"consistent=", catalog.QueryOptions{RequireConsistent: true}},
		{"filter=Node%20%3D%3D%20x", catalog.QueryOptions{Filter: "Node == x"}},
	}
	for _, c := range good {
		resp, body := do(t, ts, "GET", "/v1/catalog/nodes?"+c.query, nil)
		expectStatus(t, resp, body, http.StatusOK)
		got := fa.lastCall(catalog.MethodCatalogNodes).(*catalog.DCRequest).QueryOptions
		c.want.Datacenter = "dc1"
		if got != c.want {
			t.Errorf("?%s: options %+v, want %+v", c.query, got, c.want)
		}
	}

	// A non-blocking endpoint validates ?index but does not pass it on.
	resp, body := do(t, ts, "GET", "/v1/status/leader?index=9&wait=1s", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if got := fa.lastCall(catalog.MethodStatusLeader).(*catalog.DCRequest); got.MinQueryIndex != 0 || got.MaxQueryTime != 0 {
		t.Errorf("status leader got blocking options %+v", got.QueryOptions)
	}
}

func TestReadJSONErrors(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	resp, body := do(t, ts, "PUT", "/v1/catalog/register", strings.NewReader(`{"Node": "n1",`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if !strings.HasPrefix(body, "Request decode failed: ") {
		t.Errorf("malformed JSON body %q", body)
	}
	resp, body = do(t, ts, "PUT", "/v1/catalog/register", strings.NewReader(`{"Node": 5}`))
	expectStatus(t, resp, body, http.StatusBadRequest)

	// Trailing data after the object is refused; trailing whitespace is not.
	for _, trailing := range []string{`{"Node": "n1", "Address": "a"} x`, `{"Node": "n1", "Address": "a"}{}`, `{"Node": "n1", "Address": "a"}}`} {
		resp, body = do(t, ts, "PUT", "/v1/catalog/register", strings.NewReader(trailing))
		expectStatus(t, resp, body, http.StatusBadRequest)
		if body != "Request decode failed: trailing data after JSON object" {
			t.Errorf("%s: body %q", trailing, body)
		}
	}
	resp, body = do(t, ts, "PUT", "/v1/catalog/register", strings.NewReader("{\"Node\": \"n1\", \"Address\": \"a\"} \r\n\t\n"))
	expectStatus(t, resp, body, http.StatusOK)
	if n := fa.countCalls(catalog.MethodCatalogRegister); n != 1 {
		t.Errorf("%d registrations, want only the one with trailing whitespace", n)
	}

	big := `{"Node":"n1","Address":"` + strings.Repeat("a", MaxJSONBody) + `"}`
	resp, body = do(t, ts, "PUT", "/v1/catalog/register", strings.NewReader(big))
	expectStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if !strings.Contains(body, "max size: 4194304 bytes") {
		t.Errorf("413 body %q", body)
	}
	// Without Content-Length the limit still holds.
	resp, body = do(t, ts, "PUT", "/v1/catalog/register", struct{ *strings.Reader }{strings.NewReader(big)})
	expectStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if n := fa.countCalls(catalog.MethodCatalogRegister); n != 1 {
		t.Errorf("%d registrations made, want 1: rejected bodies must not register", n)
	}
}

func TestClientDisconnectCancelsRPC(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	fa.mu.Lock()
	fa.blockMethod = catalog.MethodKVGet
	fa.canceled = make(chan error, 1)
	fa.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/kv/a?index=5&wait=1m", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := ts.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request finished although the RPC blocks")
	}
	select {
	case err := <-fa.canceled:
		if err != context.Canceled {
			t.Errorf("RPC context ended with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the RPC was not canceled when the client went away")
	}
}
