package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// testOptions points the defaults at srv with a short run.
func testOptions(url string) Options {
	o := DefaultOptions()
	o.Addrs = []string{url}
	o.Clients = 8
	o.Duration = time.Second
	o.Timeout = 5 * time.Second
	return o
}

// checkCommon checks the fields every report carries.
func checkCommon(t *testing.T, r *Report, wantErrors bool) {
	t.Helper()
	if r.Ops <= 0 || r.OpsPerSec <= 0 || r.ElapsedSec <= 0 {
		t.Fatalf("ops=%d ops/s=%v elapsed=%v", r.Ops, r.OpsPerSec, r.ElapsedSec)
	}
	if !wantErrors && (r.Errors != 0 || len(r.ErrorSamples) != 0) {
		t.Fatalf("errors=%d %+v", r.Errors, r.ErrorSamples)
	}
	l := r.Latency
	if l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max {
		t.Fatalf("latency not ordered: %+v", l)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{r.Test + " ", "\nops ", "\nerrors ", "\nops/s ", "\np50 ", "\np90 ", "\np99 ", "\nmax "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	t.Logf("\n%s", b.String())
}

func TestKVPutDistinct(t *testing.T) {
	f, srv := newFake(t)
	r, err := RunKVPut(context.Background(), testOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, r, false)
	if got := int64(f.numKeys()); got != r.Ops {
		t.Errorf("fake holds %d keys, report says %d distinct puts", got, r.Ops)
	}
	if r.ElapsedSec < 0.9 || r.ElapsedSec > 3 {
		t.Errorf("elapsed %v for a 1s run", r.ElapsedSec)
	}
}

func TestKVPutSameKeyAndCount(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Keys = "same"
	o.Count = 300
	o.Duration = 0
	r, err := RunKVPut(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, r, false)
	if r.Ops != 300 || f.numKeys() != 1 {
		t.Errorf("ops=%d keys=%d, want 300 ops on 1 key", r.Ops, f.numKeys())
	}
}

func TestKVPutCountsRejectedWrites(t *testing.T) {
	f, srv := newFake(t)
	f.rejectPut.Store(true)
	o := testOptions(srv.URL)
	o.Count = 50
	r, err := RunKVPut(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops != 50 || r.Errors != 50 || len(r.ErrorSamples) != 1 ||
		!strings.Contains(r.ErrorSamples[0].Message, "not applied") || r.ErrorSamples[0].Count != 50 {
		t.Errorf("ops=%d errors=%d samples=%+v", r.Ops, r.Errors, r.ErrorSamples)
	}
}

func TestKVGet(t *testing.T) {
	for _, mode := range []string{"default", "stale", "consistent"} {
		t.Run(mode, func(t *testing.T) {
			f, srv := newFake(t)
			o := testOptions(srv.URL)
			o.Consistency = mode
			o.Keyspace = 50
			o.Duration = 500 * time.Millisecond
			r, err := RunKVGet(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, r, false)
			if f.numKeys() != 50 {
				t.Errorf("pre-populated %d keys, want 50", f.numKeys())
			}
			want := mode
			if mode == "default" {
				want = ""
			}
			if _, ok := f.queries.Load(want); !ok {
				t.Errorf("no GET with query %q", want)
			}
		})
	}
	if _, err := RunKVGet(context.Background(), Options{Consistency: "strong"}); err == nil {
		t.Error("bad -consistency accepted")
	}
}

func TestWatchKey(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Watchers = 50
	o.PID = os.Getpid() // the fake agent lives in this process
	r, err := RunWatch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkWatch(t, r, 50)
	if r.Watch.RSSBeforeBytes <= 0 || r.Watch.RSSParkedBytes <= 0 {
		t.Errorf("RSS not read: %+v", r.Watch)
	}
	if f.parked.Load() != 0 {
		t.Errorf("%d queries still parked on the fake", f.parked.Load())
	}
}

func TestWatchHealthService(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Watchers = 20
	o.Service = "web"
	o.Health = true
	o.Settle = 200 * time.Millisecond
	r, err := RunWatch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkWatch(t, r, 20)
	if r.Watch.Target != "/v1/health/service/web?passing" {
		t.Errorf("target %q", r.Watch.Target)
	}
	if f.numServices() != 0 {
		t.Errorf("the watch's registration was not cleaned up")
	}
}

func checkWatch(t *testing.T, r *Report, n int) {
	t.Helper()
	w := r.Watch
	if w == nil || r.Ops != int64(n) || r.Errors != 0 || w.Parked != n || w.Early != 0 {
		t.Fatalf("ops=%d errors=%d %+v samples=%+v", r.Ops, r.Errors, w, r.ErrorSamples)
	}
	if w.NewIndex <= w.StartIndex || w.WriteMS <= 0 {
		t.Errorf("index %d -> %d, write %vms", w.StartIndex, w.NewIndex, w.WriteMS)
	}
	for _, f := range []Fanout{w.FromAck, w.FromSend} {
		if f.P50 < 0 || f.P50 > f.P99 || f.P99 > f.P100 || f.P100 > 5000 {
			t.Errorf("fan-out not ordered: %+v", f)
		}
	}
	if w.FromSend.P100 < w.FromAck.P100 {
		t.Errorf("from send %v < from ack %v", w.FromSend.P100, w.FromAck.P100)
	}
	var b strings.Builder
	r.WriteText(&b)
	t.Logf("\n%s", b.String())
}

func TestRegister(t *testing.T) {
	f, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Instances = 3
	r, err := RunRegister(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, r, false)
	reg, dereg := r.Phases["register"], r.Phases["deregister"]
	if reg == nil || dereg == nil || reg.Ops <= 0 || dereg.Ops <= 0 || reg.OpsPerSec <= 0 || dereg.OpsPerSec <= 0 {
		t.Fatalf("phases %+v %+v", reg, dereg)
	}
	if reg.Ops+dereg.Ops != r.Ops || reg.Ops-dereg.Ops > int64(o.Clients*o.Instances) {
		t.Errorf("register %d + deregister %d vs ops %d", reg.Ops, dereg.Ops, r.Ops)
	}
	if n := f.numServices(); n != 0 {
		t.Errorf("%d instances left registered", n)
	}
}

func TestSysinfo(t *testing.T) {
	if err := raiseNoFile(64); err != nil {
		t.Errorf("raiseNoFile(64): %v", err)
	}
	if err := raiseNoFile(1 << 40); err == nil || !strings.Contains(err.Error(), "lower -watchers") {
		t.Errorf("raiseNoFile(huge) = %v", err)
	}
	if rss, err := readRSS(os.Getpid()); err != nil || rss < 1<<20 {
		t.Errorf("readRSS(self) = %d, %v", rss, err)
	}
	if _, err := readRSS(-1); err == nil {
		t.Error("readRSS(-1) succeeded")
	}
}
