package command

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// call is one request the fake agent received.
type call struct {
	Method, Path, Query, Body, Token string
}

// fakeAgent is an httptest server that answers only the endpoints a test
// registers, records every request, and fails the test on any other.
type fakeAgent struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	calls    []call
	handlers map[string]func(w http.ResponseWriter, c call)
}

func newFakeAgent(t *testing.T) *fakeAgent {
	f := newUnstartedFakeAgent(t)
	f.srv.Start()
	return f
}

// newUnstartedFakeAgent lets a test set TLS or a listener before starting.
func newUnstartedFakeAgent(t *testing.T) *fakeAgent {
	f := &fakeAgent{t: t, handlers: map[string]func(http.ResponseWriter, call){}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// on registers the answer to "METHOD /path", or to every path under a
// prefix for "METHOD /prefix/*".
func (f *fakeAgent) on(route string, h func(w http.ResponseWriter, c call)) {
	f.handlers[route] = h
}

// reply registers a fixed status and body for "METHOD /path".
func (f *fakeAgent) reply(route string, status int, body string) {
	f.on(route, func(w http.ResponseWriter, _ call) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

func (f *fakeAgent) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := call{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Body: string(body), Token: r.Header.Get("X-Consul-Token"),
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	h := f.handlers[r.Method+" "+r.URL.Path]
	if h == nil {
		// "METHOD /prefix/*" answers every path under the prefix.
		for route, ph := range f.handlers {
			if p, ok := strings.CutSuffix(route, "*"); ok && strings.HasPrefix(r.Method+" "+r.URL.Path, p) {
				h = ph
			}
		}
	}
	f.mu.Unlock()
	if h == nil {
		f.t.Errorf("unexpected request %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	h(w, c)
}

// addr is the agent's address without a scheme, as CONSUL_HTTP_ADDR
// usually holds it.
func (f *fakeAgent) addr() string { return f.srv.Listener.Addr().String() }

// env points CONSUL_HTTP_ADDR at the fake agent.
func (f *fakeAgent) env() map[string]string {
	return map[string]string{"CONSUL_HTTP_ADDR": f.addr()}
}

// requests returns what the agent received.
func (f *fakeAgent) requests() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// expectCalls compares the recorded requests with want, exactly.
func (f *fakeAgent) expectCalls(want ...call) {
	f.t.Helper()
	got := f.requests()
	if len(got) != len(want) {
		f.t.Fatalf("requests:\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			f.t.Errorf("request %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// result is one CLI run's outcome.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI with env as its environment and stdin as its input.
// The process environment is cleared of the variables the api package
// might read on its own, so only env counts.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	for _, name := range []string{envAddr, envToken, envTokenFile, envAuth, envSSL,
		envSSLVerify, envCACert, envCAPath, envClientCert, envClientKey, envServerName} {
		t.Setenv(name, "")
	}
	var stdout, stderr bytes.Buffer
	code := Run(args, Env{
		Stdout:   &stdout,
		Stderr:   &stderr,
		Stdin:    strings.NewReader(stdin),
		Getenv:   func(k string) string { return env[k] },
		Version:  "0.1.0",
		Revision: "abc1234",
		Extra: map[string]Command{
			"agent":    {Synopsis: "Runs a concord agent", Run: func([]string) int { return 0 }},
			"validate": {Synopsis: "Validate config files/directories", Run: func([]string) int { return 0 }},
		},
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// expect checks a run's exit code and exact output.
func expect(t *testing.T, got result, code int, stdout, stderr string) {
	t.Helper()
	if got.code != code {
		t.Errorf("exit code = %d, want %d (stdout %q, stderr %q)", got.code, code, got.stdout, got.stderr)
	}
	if got.stdout != stdout {
		t.Errorf("stdout:\n%s\nwant:\n%s\n(quoted %q)", got.stdout, stdout, got.stdout)
	}
	if got.stderr != stderr {
		t.Errorf("stderr:\n%s\nwant:\n%s\n(quoted %q)", got.stderr, stderr, got.stderr)
	}
}
