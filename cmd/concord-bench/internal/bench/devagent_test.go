package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

// TestAgainstDevAgent runs every implemented subcommand briefly against a
// real in-process concord dev agent, so the tool cannot drift from the
// server it measures.
func TestAgainstDevAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real agent; skipped in -short mode")
	}
	a, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) { cfg.Ports.DNS = 0 })
	opts := func() Options {
		o := DefaultOptions()
		o.Addrs = []string{"http://" + addr}
		o.Clients = 4
		o.Duration = 400 * time.Millisecond
		return o
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	put, err := RunKVPut(ctx, opts())
	if err != nil || put.Ops == 0 || put.Errors != 0 {
		t.Fatalf("kv-put: %+v %v", put, err)
	}
	for _, mode := range []string{"default", "stale", "consistent"} {
		o := opts()
		o.Consistency = mode
		o.Keyspace = 50
		get, err := RunKVGet(ctx, o)
		if err != nil || get.Ops == 0 || get.Errors != 0 {
			t.Fatalf("kv-get %s: %+v %v", mode, get, err)
		}
	}
	o := opts()
	o.Watchers = 50
	o.Key = "bench/watched"
	o.Settle = 200 * time.Millisecond
	w, err := RunWatch(ctx, o)
	if err != nil || w.Watch == nil || w.Errors != 0 {
		t.Fatalf("watch: %+v %v", w, err)
	}
	if w.Watch.FromAck.P100 < 0 {
		t.Fatalf("not every watcher returned: %+v", w.Watch)
	}
	for _, instances := range []int{1, 30} {
		for _, pipeline := range []int{0, 4} {
			o := opts()
			o.DNSAddr = a.DNSAddrs()[0].String()
			o.Instances = instances
			o.Service = fmt.Sprintf("bench-dns-%d", instances)
			o.Pipeline = pipeline
			d, err := RunDNS(ctx, o)
			if err != nil || d.Ops == 0 || d.Errors != 0 {
				t.Fatalf("dns %d, pipeline %d: %+v %v", instances, pipeline, d, err)
			}
		}
	}
	reg, err := RunRegister(ctx, opts())
	if err != nil || reg.Ops == 0 || reg.Errors != 0 {
		t.Fatalf("register: %+v %v", reg, err)
	}
	for _, blocking := range []bool{false, true} {
		o := opts()
		o.Service = "bench-health"
		o.Instances = 20
		o.Others = 30
		o.Blocking = blocking
		o.FlipEvery = 100 * time.Millisecond
		o.Wait = 5 * time.Second
		h, err := RunHealth(ctx, o)
		if err != nil || h.Ops == 0 || h.Errors != 0 {
			t.Fatalf("health blocking=%v: %+v %v", blocking, h, err)
		}
	}
}
