package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func runCLI(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, getenv, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIJSONDecodes(t *testing.T) {
	_, srv := newFake(t)
	for _, args := range [][]string{
		{"kv-put", "-duration", "300ms", "-clients", "4", "-value-size", "16"},
		{"kv-get", "-duration", "300ms", "-keyspace", "20", "-consistency", "stale"},
		{"register", "-count", "20", "-instances", "2"},
		{"watch", "-watchers", "10", "-settle", "50ms"},
		{"failover", "-duration", "600ms", "-kill-after", "200ms", "-kill-cmd", "true", "-clients", "2"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, out, errs := runCLI(t, noEnv, append(args, "-addr", srv.URL, "-json", "-progress=false")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var got map[string]any
			dec := json.NewDecoder(strings.NewReader(out))
			if err := dec.Decode(&got); err != nil || dec.More() {
				t.Fatalf("stdout is not one JSON object (%v): %s", err, out)
			}
			for _, f := range []string{"test", "params", "ops", "errors", "ops_per_sec", "latency_ms", "elapsed_s"} {
				if _, ok := got[f]; !ok {
					t.Errorf("no %q in %s", f, out)
				}
			}
			if got["test"] != args[0] || got["ops"].(float64) <= 0 {
				t.Errorf("test=%v ops=%v", got["test"], got["ops"])
			}
			lat := got["latency_ms"].(map[string]any)
			for _, p := range []string{"p50", "p90", "p99", "max"} {
				if _, ok := lat[p]; !ok {
					t.Errorf("latency_ms lacks %s", p)
				}
			}
			var rep Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if args[0] == "register" && (rep.Phases["register"] == nil || rep.Phases["deregister"] == nil) {
				t.Errorf("register phases missing: %s", out)
			}
			if args[0] == "watch" && (rep.Watch == nil || rep.Watch.Watchers != 10) {
				t.Errorf("watch section missing: %s", out)
			}
			if args[0] == "failover" && (rep.Failover == nil || rep.Failover.Lost != 0 || rep.Failover.Acknowledged == 0) {
				t.Errorf("failover section wrong: %s", out)
			}
		})
	}
}

func TestCLITextAndUsage(t *testing.T) {
	_, srv := newFake(t)
	code, out, _ := runCLI(t, noEnv, "kv-put", "-addr", srv.URL, "-count", "10", "-progress=false")
	if code != 0 || !strings.HasPrefix(out, "kv-put  clients=32 duration=10s count=10") || !strings.Contains(out, "\nops        10\n") {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "Subcommands:"},
		{[]string{"help"}, 0, "kv-put"},
		{[]string{"dns", "-h"}, 0, "-qtype"},
		{[]string{"nope"}, 2, "unknown subcommand"},
		{[]string{"kv-put", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"kv-put", "-h"}, 0, "-value-size"},
		{[]string{"health", "-h"}, 0, "-others"},
		{[]string{"register", "-h"}, 0, "/v1/agent/service/register"},
		{[]string{"kv-put", "-addr", "ftp://x:1"}, 2, "bad address"},
		{[]string{"kv-put", "-keys", "some", "-addr", srv.URL}, 1, "-keys must be"},
		{[]string{"failover", "-addr", srv.URL}, 1, "-kill-pid or -kill-cmd"},
	} {
		code, _, errs := runCLI(t, noEnv, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d (want %d), stderr %q", c.args, code, c.code, errs)
		}
	}
}

func TestAddrsAndEnv(t *testing.T) {
	got, err := ParseAddrs("127.0.0.1:8500, https://10.0.0.2:8501 ,http://h:1/", false)
	want := []string{"http://127.0.0.1:8500", "https://10.0.0.2:8501", "http://h:1"}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ParseAddrs = %v, %v", got, err)
	}
	if got, _ := ParseAddrs("h:1", true); got[0] != "https://h:1" {
		t.Errorf("TLS default scheme: %v", got)
	}
	if _, err := ParseAddrs(" , ", false); err == nil {
		t.Error("empty -addr accepted")
	}
	env := map[string]string{"CONSUL_HTTP_ADDR": "10.1.1.1:8500,10.1.1.2:8500", "CONSUL_HTTP_TOKEN": "secret",
		"CONSUL_HTTP_SSL": "true", "CONSUL_HTTP_SSL_VERIFY": "false"}
	o := DefaultOptions()
	fs := newTestFlagSet()
	cf := commonFlags(fs, &o, func(k string) string { return env[k] })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := cf.apply(&o, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if o.Token != "secret" || !o.TLS.Insecure || len(o.Addrs) != 2 || o.Addrs[1] != "https://10.1.1.2:8500" {
		t.Errorf("env defaults: %+v", o)
	}
}

func TestTokenHeaderSent(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Token = "tok-1"
	o.Count = 1
	if _, err := RunKVPut(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if f.lastToken.Load() != "tok-1" {
		t.Errorf("X-Consul-Token = %v", f.lastToken.Load())
	}
}

func TestProgressPlainLines(t *testing.T) {
	old := plainEvery
	plainEvery = 30 * time.Millisecond
	defer func() { plainEvery = old }()
	var ops, errs atomic.Int64
	var buf syncBuffer
	p := startProgress(&buf, "kv-put", &ops, &errs)
	ops.Store(42)
	errs.Store(1)
	time.Sleep(100 * time.Millisecond)
	p.stop()
	out := buf.String()
	if !strings.Contains(out, "kv-put  elapsed") || !strings.Contains(out, "ops 42") ||
		!strings.Contains(out, "errors 1") || strings.Contains(out, "\r") {
		t.Errorf("progress output %q", out)
	}
	startProgress(nil, "x", &ops, &errs).stop() // no writer: no-op
}

// TestKVGetWriteToken: -write-token is used for the pre-population writes
// and -token for the timed reads, so a read-only token can be measured.
func TestKVGetWriteToken(t *testing.T) {
	f, srv := newFake(t)
	guard := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := "reader"
		if r.Method == http.MethodPut {
			want = "writer"
		}
		if got := r.Header.Get("X-Consul-Token"); got != want {
			http.Error(w, "Permission denied: token "+got, http.StatusForbidden)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(guard.Close)
	o := testOptions(guard.URL)
	o.Token, o.WriteToken = "reader", "writer"
	o.Keyspace = 20
	o.Duration = 300 * time.Millisecond
	r, err := RunKVGet(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, r, false)
	if f.numKeys() != 20 {
		t.Errorf("pre-populated %d keys, want 20", f.numKeys())
	}
	o.WriteToken = ""
	if _, err := RunKVGet(context.Background(), o); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("read-only token pre-populating: err = %v, want a 403", err)
	}
}

// TestDatacenterFlag: -dc is sent as ?dc= on every request, the
// pre-population writes included, next to the subcommand's own query.
func TestDatacenterFlag(t *testing.T) {
	_, srv := newFake(t)
	guard := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("dc"); got != "dc2" {
			http.Error(w, "No path to datacenter", http.StatusInternalServerError)
			return
		}
		if r.Method == http.MethodGet && !r.URL.Query().Has("stale") {
			http.Error(w, "lost ?stale", http.StatusBadRequest)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(guard.Close)
	o := testOptions(guard.URL)
	o.Datacenter = "dc2"
	o.Consistency = "stale"
	o.Keyspace = 10
	o.Duration = 300 * time.Millisecond
	r, err := RunKVGet(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, r, false)
	o.Datacenter = ""
	if _, err := RunKVGet(context.Background(), o); err == nil || !strings.Contains(err.Error(), "No path") {
		t.Errorf("without -dc: err = %v", err)
	}
}
