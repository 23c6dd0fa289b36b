package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// TestFederationPerf measures what docs/perf.md reports for federation,
// on real processes (127.0.0.191-195, memberlist's WAN timings): the
// latency a cross-datacenter hop adds to a health query and to a DNS
// query, how long the WAN pool takes to converge after a server joins,
// and the throughput of ?dc=dc2 KV reads through dc1 against the same
// reads in dc2 (concord-bench kv-get, with and without -dc). It only
// reports; run it with CONCORD_PERF=1.
func TestFederationPerf(t *testing.T) {
	if os.Getenv("CONCORD_PERF") != "1" {
		t.Skip("federation measurements run only with CONCORD_PERF=1")
	}
	ips := []string{"127.0.0.191", "127.0.0.192", "127.0.0.193", "127.0.0.194", "127.0.0.195"}
	requireLoopbackAliases(t, ips...)
	s1 := newNode(t, "s1", ips[0], "-server", "-datacenter", "dc1", "-bootstrap-expect", "1", "-log-level", "warn")
	c1 := newNode(t, "c1", ips[1], append([]string{"-datacenter", "dc1", "-log-level", "warn"}, joinArgs(ips[0])...)...)
	s2 := newNode(t, "s2", ips[2], "-server", "-datacenter", "dc2", "-bootstrap-expect", "1", "-log-level", "warn",
		"-retry-join-wan", ips[0], "-retry-interval-wan", "500ms")
	c2 := newNode(t, "c2", ips[3], append([]string{"-datacenter", "dc2", "-log-level", "warn"}, joinArgs(ips[2])...)...)
	for _, n := range []*node{s1, c1, s2, c2} {
		n.start()
	}
	eventually(t, 60*time.Second, "both datacenters listed by dc1's client", func() error {
		got, err := c1.client().Catalog().Datacenters()
		if err != nil || !slices.Equal(got, []string{"dc1", "dc2"}) {
			return fmt.Errorf("%v %v", got, err)
		}
		_, err = leaderOf(s2)
		return err
	})
	// web in dc2, 3 instances; the same in dc1 for the local baseline.
	for _, c := range []*api.Client{c1.client(), c2.client()} {
		for i := 0; i < 3; i++ {
			reg := &api.CatalogRegistration{Node: fmt.Sprintf("web-%d", i), Address: fmt.Sprintf("10.0.0.%d", i+1),
				Service: &api.AgentService{ID: "web", Service: "web", Port: 80},
				Check:   &api.AgentCheck{CheckID: "web", Name: "web", Status: api.HealthPassing, ServiceID: "web"}}
			if _, err := c.Catalog().Register(reg, nil); err != nil {
				t.Fatal(err)
			}
		}
	}

	const n = 500
	health := func(c *api.Client, dc string) []time.Duration {
		var out []time.Duration
		for i := 0; i < n; i++ {
			start := time.Now()
			e, _, err := c.Health().Service("web", "", true, &api.QueryOptions{Datacenter: dc})
			if err != nil || len(e) != 3 {
				t.Fatalf("health: %v %v", len(e), err)
			}
			out = append(out, time.Since(start))
		}
		return out
	}
	// Each name is asked in a new mix of upper and lower case, so the DNS
	// answer cache (keyed by the name as asked) never answers.
	dnsQ := func(addr, name string) []time.Duration {
		cl := &dns.Client{Timeout: 5 * time.Second}
		var out []time.Duration
		for i := 0; i < n; i++ {
			b := []byte(name)
			for j := range b {
				if rand.IntN(2) == 0 {
					b[j] = strings.ToUpper(string(b[j]))[0]
				}
			}
			m := new(dns.Msg)
			m.SetQuestion(string(b), dns.TypeA)
			start := time.Now()
			resp, _, err := cl.Exchange(m, addr)
			if err != nil || len(resp.Answer) != 3 {
				t.Fatalf("dns %s: %v %v", b, resp, err)
			}
			out = append(out, time.Since(start))
		}
		return out
	}
	report := func(what string, d []time.Duration) {
		slices.Sort(d)
		t.Logf("%-44s p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms", what,
			ms(d[len(d)/2]), ms(d[len(d)*9/10]), ms(d[len(d)*99/100]))
	}
	report("health web?passing in dc2 (dc2 client)", health(c2.client(), ""))
	report("health web?passing&dc=dc2 (dc1 client)", health(c1.client(), "dc2"))
	report("DNS web.service.consul (dc2 client)", dnsQ(ips[3]+":8600", "web.service.consul."))
	report("DNS web.service.dc2.consul (dc1 client)", dnsQ(ips[1]+":8600", "web.service.dc2.consul."))

	// KV read throughput: concord-bench kv-get, 16 clients, 10 s each.
	bench := filepath.Join(filepath.Dir(concordBinary(t)), "concord-bench")
	if out, err := exec.Command("go", "build", "-o", bench, "../concord-bench").CombinedOutput(); err != nil {
		t.Fatalf("build concord-bench: %v\n%s", err, out)
	}
	kvGet := func(addr string, extra ...string) {
		args := append([]string{"kv-get", "-addr", "http://" + addr + ":8500", "-clients", "16", "-duration", "10s", "-keyspace", "200", "-json"}, extra...)
		out, err := exec.Command(bench, args...).Output()
		if err != nil {
			t.Fatalf("concord-bench %v: %v\n%s", args, err, out)
		}
		var r struct {
			OpsPerSec float64 `json:"ops_per_sec"`
			Errors    int64   `json:"errors"`
			Latency   struct {
				P50 float64 `json:"p50"`
				P99 float64 `json:"p99"`
			} `json:"latency_ms"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		t.Logf("kv-get %-36s %8.0f reads/s  p50 %.2f ms  p99 %.2f ms  errors %d", strings.Join(append([]string{addr}, extra...), " "),
			r.OpsPerSec, r.Latency.P50, r.Latency.P99, r.Errors)
	}
	kvGet(ips[3])
	kvGet(ips[1], "-dc", "dc2")

	// WAN convergence: a dc3 server joins dc1's server; how long until
	// every server lists it alive and dc1's client routes to dc3.
	s3 := newNode(t, "s3", ips[4], "-server", "-datacenter", "dc3", "-bootstrap-expect", "1", "-log-level", "warn")
	s3.start()
	eventually(t, 60*time.Second, "dc3 leader", func() error { _, err := leaderOf(s3); return err })
	start := time.Now()
	if err := s3.client().Agent().Join(ips[0], true); err != nil {
		t.Fatal(err)
	}
	joined := time.Since(start)
	var seenBy = map[string]time.Duration{}
	eventually(t, 120*time.Second, "every server lists s3.dc3 alive", func() error {
		for _, s := range []*node{s1, s2} {
			if _, ok := seenBy[s.name]; ok {
				continue
			}
			ms, err := s.client().Agent().Members(true)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Name == "s3.dc3" && m.Status == 1 {
					seenBy[s.name] = time.Since(start)
				}
			}
		}
		if len(seenBy) < 2 {
			return fmt.Errorf("seen by %v", seenBy)
		}
		return nil
	})
	eventually(t, 60*time.Second, "dc1's client reads dc3", func() error {
		_, _, err := c1.client().Catalog().Nodes(&api.QueryOptions{Datacenter: "dc3"})
		return err
	})
	t.Logf("WAN join of s3.dc3 through s1.dc1: join returned after %v; alive on s1.dc1 after %v, on s2.dc2 after %v; dc1 client reads dc3 after %v",
		joined.Round(time.Millisecond), seenBy["s1"].Round(time.Millisecond), seenBy["s2"].Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
