package checks

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestHTTPStatuses(t *testing.T) {
	code := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(<-code)
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	p := newHTTPProbe(withDefaults(Spec{HTTP: srv.URL}), nil)
	cases := []struct {
		code   int
		status string
		output string
	}{
		{200, catalog.HealthPassing, "HTTP GET " + srv.URL + ": 200 OK Output: hello"},
		{204, catalog.HealthPassing, "HTTP GET " + srv.URL + ": 204 No Content Output: "},
		{429, catalog.HealthWarning, "HTTP GET " + srv.URL + ": 429 Too Many Requests Output: hello"},
		{503, catalog.HealthCritical, "HTTP GET " + srv.URL + ": 503 Service Unavailable Output: hello"},
		{404, catalog.HealthCritical, "HTTP GET " + srv.URL + ": 404 Not Found Output: hello"},
	}
	for _, c := range cases {
		code <- c.code
		status, output := runProbe(p, 5*time.Second)
		if status != c.status || output != c.output {
			t.Errorf("answer %d: got %s %q, want %s %q", c.code, status, output, c.status, c.output)
		}
	}
}

func TestHTTPRequest(t *testing.T) {
	got := make(chan *http.Request, 1)
	bodies := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
		got <- r
	}))
	defer srv.Close()
	p := newHTTPProbe(withDefaults(Spec{
		HTTP:   srv.URL + "/health?x=1",
		Method: "POST",
		Body:   `{"ping":true}`,
		Header: map[string][]string{
			"X-Token":    {"a", "b"},
			"host":       {"example.test"},
			"user-agent": {"probe/1"},
		},
	}), nil)
	if status, out := runProbe(p, 5*time.Second); status != catalog.HealthPassing {
		t.Fatalf("got %s %q", status, out)
	}
	r := <-got
	if b := <-bodies; b != `{"ping":true}` {
		t.Errorf("body = %q", b)
	}
	// Without a User-Agent header the check sends Consul's.
	p = newHTTPProbe(withDefaults(Spec{HTTP: srv.URL}), nil)
	runProbe(p, 5*time.Second)
	<-bodies
	if ua := (<-got).Header.Get("User-Agent"); ua != "Consul Health Check" {
		t.Errorf("default User-Agent = %q", ua)
	}
	if r.Method != "POST" || r.URL.String() != "/health?x=1" {
		t.Errorf("request %s %s", r.Method, r.URL)
	}
	if r.Host != "example.test" {
		t.Errorf("Host = %q, want the Host header's", r.Host)
	}
	if ua := r.Header.Values("User-Agent"); len(ua) != 1 || ua[0] != "probe/1" {
		t.Errorf("User-Agent = %q, want the spec's only", ua)
	}
	if v := r.Header.Values("X-Token"); len(v) != 2 || v[0] != "a" || v[1] != "b" {
		t.Errorf("X-Token = %q", v)
	}
	if !r.Close {
		t.Errorf("the request asked for a kept-alive connection")
	}
}

func TestHTTPOutputTruncated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100)+"TAIL")
	}))
	defer srv.Close()
	_, output := runProbe(newHTTPProbe(withDefaults(Spec{HTTP: srv.URL, OutputMaxSize: 10}), nil), 5*time.Second)
	if !strings.HasSuffix(output, "Output: xxxxxxxxxx") {
		t.Errorf("output %q, want the first 10 bytes of the body", output)
	}
}

func TestHTTPTLSSkipVerify(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	status, out := runProbe(newHTTPProbe(withDefaults(Spec{HTTP: srv.URL}), nil), 5*time.Second)
	if status != catalog.HealthCritical || !strings.Contains(out, "certificate") {
		t.Errorf("self-signed certificate: got %s %q, want critical about the certificate", status, out)
	}
	status, out = runProbe(newHTTPProbe(withDefaults(Spec{HTTP: srv.URL, TLSSkipVerify: true}), nil), 5*time.Second)
	if status != catalog.HealthPassing {
		t.Errorf("TLSSkipVerify: got %s %q", status, out)
	}
}

func TestHTTPFailures(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	status, out := runProbe(newHTTPProbe(withDefaults(Spec{HTTP: closed}), nil), 5*time.Second)
	if status != catalog.HealthCritical || !strings.Contains(out, "refused") {
		t.Errorf("closed port: got %s %q", status, out)
	}

	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	status, out = runProbe(newHTTPProbe(withDefaults(Spec{HTTP: srv.URL}), nil), 200*time.Millisecond)
	if status != catalog.HealthCritical || !strings.Contains(out, "deadline exceeded") {
		t.Errorf("slow server: got %s %q", status, out)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timed out after %s", d)
	}
}

func TestHTTPCheckRuns(t *testing.T) {
	healthy := make(chan bool, 1)
	healthy <- true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := <-healthy
		healthy <- h
		if !h {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	_, rec := startCheck(t, Spec{ID: "web", HTTP: srv.URL, Interval: 50 * time.Millisecond}, Deps{})
	if u := rec.waitStatus(t, catalog.HealthPassing); u.id != "web" {
		t.Errorf("update for %q", u.id)
	}
	<-healthy
	healthy <- false
	rec.waitStatus(t, catalog.HealthCritical)
}

// BenchmarkHTTPCheck is one run of an HTTP check against a local server:
// the CPU a check costs per interval.
func BenchmarkHTTPCheck(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	p := newHTTPProbe(withDefaults(Spec{HTTP: srv.URL}), nil)
	b.ReportAllocs()
	for b.Loop() {
		if status, out := runProbe(p, 5*time.Second); status != catalog.HealthPassing {
			b.Fatalf("got %s %q", status, out)
		}
	}
}
