package dnsfront

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestCacheReusesAnswersUntilTTL(t *testing.T) {
	f := testCatalog()
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	chain := newTestChain(t, f, func(c *Config) { c.CacheTTL = 2 * time.Second; c.Now = clock })
	ask := func(name string) *dns.Msg {
		w := newRecorder(false)
		chain.ServeDNS(context.Background(), w, query(name, dns.TypeA))
		return w.last()
	}
	for i := 0; i < 5; i++ {
		if m := ask("mariadb.service.consul."); len(m.Answer) != 2 {
			t.Fatalf("answer %v", m.Answer)
		}
	}
	if f.calls != 1 {
		t.Fatalf("%d lookups for 5 queries within the TTL", f.calls)
	}
	ask("mariadb.service.dc1.consul.") // another question: another entry
	if f.calls != 2 {
		t.Fatalf("%d lookups", f.calls)
	}
	mu.Lock()
	now = now.Add(3 * time.Second)
	mu.Unlock()
	ask("mariadb.service.consul.")
	if f.calls != 3 {
		t.Fatalf("%d lookups after the TTL", f.calls)
	}
	// Negative answers are cached too; errors are not.
	ask("nope.service.consul.")
	ask("nope.service.consul.")
	if f.calls != 4 {
		t.Fatalf("%d lookups for a cached NXDOMAIN", f.calls)
	}
}

func TestCacheSharedRecordsStayIntact(t *testing.T) {
	chain := newTestChain(t, testCatalog(), nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				w := newRecorder(j%2 == 0)
				chain.ServeDNS(context.Background(), w, query("big.service.consul.", dns.TypeA))
				if m := w.last(); m == nil || (j%2 == 0 && len(m.Answer) != 60) || (j%2 == 1 && len(m.Answer) != 3) {
					t.Errorf("answer of %v", m)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMetricsCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.validate()
	counters := &Counters{}
	chain := NewChain(&cfg, testCatalog(), counters)
	chain.ServeDNS(context.Background(), newRecorder(false), query("mariadb.service.consul.", dns.TypeA))
	chain.ServeDNS(context.Background(), newRecorder(false), query("nope.service.consul.", dns.TypeSRV))
	chain.ServeDNS(context.Background(), newRecorder(false), query("example.com.", dns.TypeA))
	chain.ServeDNS(context.Background(), newRecorder(false), &dns.Msg{})
	s := counters.Snapshot()
	if s.Queries["A"] != 2 || s.Queries["SRV"] != 1 || s.Queries["none"] != 1 {
		t.Errorf("queries %v", s.Queries)
	}
	if s.Responses["NOERROR"] != 1 || s.Responses["NXDOMAIN"] != 1 || s.Responses["REFUSED"] != 1 || s.Responses["FORMERR"] != 1 {
		t.Errorf("responses %v", s.Responses)
	}
	var total uint64
	for _, b := range s.Buckets {
		total += b
	}
	if s.Count != 4 || total != 4 || len(s.Buckets) != len(s.Bounds)+1 {
		t.Errorf("histogram %+v", s)
	}
}
