package httpapi

import (
	"bufio"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// fakeLogs hands out one subscription and reports when it is stopped.
type fakeLogs struct {
	lines   chan []byte
	level   chan hclog.Level
	stopped chan struct{}
}

func (f *fakeLogs) Subscribe(level hclog.Level, json bool) (<-chan []byte, func() uint64) {
	f.level <- level
	return f.lines, func() uint64 { close(f.stopped); return 0 }
}

// TestMonitorEndsWhenClientGoesAway: each line is flushed as it comes,
// and the subscription is released once the client disconnects.
func TestMonitorEndsWhenClientGoesAway(t *testing.T) {
	logs := &fakeLogs{lines: make(chan []byte, 1), level: make(chan hclog.Level, 1), stopped: make(chan struct{})}
	_, ts, _ := newTestServer(t, func(c *Config) { c.Logs = logs })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/v1/agent/monitor?loglevel=TRACE", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if l := <-logs.level; l != hclog.Trace {
		t.Fatalf("level %v", l)
	}
	logs.lines <- []byte("one line\n")
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "one line\n" {
		t.Fatalf("read %q %v", line, err)
	}
	cancel()
	select {
	case <-logs.stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("subscription still open 10s after the client went away")
	}
}

func TestMonitorWithoutLogs(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	resp, err := http.Get(ts.URL + "/v1/agent/monitor")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d without a log source", resp.StatusCode)
	}
}
