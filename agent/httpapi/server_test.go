package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// do sends a raw request and returns the response with its body read.
func do(t *testing.T, ts *httptest.Server, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, string(b)
}

func expectStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %q", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{Datacenter: "dc1"}, nil); err == nil {
		t.Error("New without an agent succeeded")
	}
	if _, err := New(Config{}, newFakeAgent()); err == nil {
		t.Error("New without a datacenter succeeded")
	}
	if _, err := New(Config{Datacenter: "dc1", DefaultWait: time.Hour}, newFakeAgent()); err == nil {
		t.Error("New with DefaultWait above MaxWait succeeded")
	}
	s, err := New(Config{Datacenter: "dc1"}, newFakeAgent())
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.MaxKVSize != 512*1024 || s.cfg.DefaultWait != 5*time.Minute || s.cfg.MaxWait != 10*time.Minute {
		t.Errorf("defaults not applied: %+v", s.cfg)
	}
}

func TestUnknownPath(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	for _, p := range []string{"/v1/nope", "/v1/catalog/nodesx", "/v1/", "/ui/", "/ui", "/ui/index.html", "/"} {
		resp, body := do(t, ts, "GET", p, nil)
		expectStatus(t, resp, body, http.StatusNotFound)
		if body != "no such endpoint: "+p {
			t.Errorf("GET %s: body %q", p, body)
		}
	}
}

func TestWrongMethod(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	cases := []struct{ method, path, allow string }{
		{"POST", "/v1/kv/foo", "GET, PUT, DELETE, OPTIONS"},
		{"GET", "/v1/catalog/register", "PUT, OPTIONS"},
		{"DELETE", "/v1/status/leader", "GET, OPTIONS"},
		{"GET", "/v1/txn", "PUT, OPTIONS"},
		{"GET", "/v1/operator/raft/peer", "DELETE, OPTIONS"},
	}
	for _, c := range cases {
		resp, body := do(t, ts, c.method, c.path, nil)
		if c.allow == "" {
			expectStatus(t, resp, body, http.StatusNotFound)
			continue
		}
		expectStatus(t, resp, body, http.StatusMethodNotAllowed)
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		use := strings.ReplaceAll(strings.TrimSuffix(c.allow, ", OPTIONS"), ", ", " or ")
		if want := "method " + c.method + " not allowed on " + c.path + ": use " + use; body != want {
			t.Errorf("%s %s: body %q, want %q", c.method, c.path, body, want)
		}
	}
	resp, body := do(t, ts, "OPTIONS", "/v1/kv/foo", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("Allow") == "" {
		t.Error("OPTIONS answered without Allow")
	}
}

func TestUIRoutes(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ui "+r.URL.Path)
	})
	_, ts, _ := newTestServer(t, func(c *Config) { c.UI = ui })
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct{ path, location string }{
		{"/", "/ui/"}, {"/ui", "/ui/"}, {"/?dc=dc2", "/ui/?dc=dc2"},
	} {
		resp, err := client.Get(ts.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != c.location {
			t.Errorf("GET %s: %d to %q, want 302 to %q", c.path, resp.StatusCode, resp.Header.Get("Location"), c.location)
		}
	}
	for _, p := range []string{"/ui/", "/ui/js/main.js"} {
		resp, body := do(t, ts, "GET", p, nil)
		expectStatus(t, resp, body, http.StatusOK)
		if body != "ui "+p {
			t.Errorf("GET %s: body %q, want the UI handler's", p, body)
		}
	}
	resp, body := do(t, ts, "GET", "/elsewhere", nil)
	expectStatus(t, resp, body, http.StatusNotFound)
	// The UI takes no writes: it is a client of /v1/ like any other.
	resp, body = do(t, ts, "PUT", "/ui/", nil)
	expectStatus(t, resp, body, http.StatusMethodNotAllowed)
}
