package dnsfront

import (
	"context"
	"fmt"
	"testing"

	"github.com/concord-dev/concord/catalog"
	"github.com/miekg/dns"
)

// BenchmarkChainCached is the cost of one UDP A query answered from the
// cache, for services of different sizes.
func BenchmarkChainCached(b *testing.B) {
	for _, n := range []int{1, 10, 200, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := &fakeLookup{dc: "dc1", services: map[string]catalog.CheckServiceNodes{}}
			for i := 0; i < n; i++ {
				f.services["web"] = append(f.services["web"], inst(fmt.Sprintf("n%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "", 80, nil, "passing"))
			}
			cfg := DefaultConfig()
			cfg.validate()
			chain := NewChain(&cfg, f, &Counters{})
			r := query("web.service.consul.", dns.TypeA)
			w := &nullWriter{recorder: *newRecorder(false)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				chain.ServeDNS(context.Background(), w, r)
			}
		})
	}
}

// nullWriter packs each response, as the server does, and keeps nothing.
type nullWriter struct{ recorder }

func (w *nullWriter) WriteMsg(m *dns.Msg) error {
	_, err := m.Pack()
	return err
}

// BenchmarkServerUDP is A queries over UDP on loopback against a
// 200-instance service, clients and server in one process.
func BenchmarkServerUDP(b *testing.B) {
	f := &fakeLookup{dc: "dc1", services: map[string]catalog.CheckServiceNodes{}}
	for i := 0; i < 200; i++ {
		f.services["web"] = append(f.services["web"], inst(fmt.Sprintf("n%d", i), fmt.Sprintf("10.0.%d.%d", i>>8, i&255), "", 80, nil, "passing"))
	}
	s, err := New(DefaultConfig(), f, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &dns.Client{Net: "udp"}
		conn, err := c.Dial(addr.String())
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		m := query("web.service.consul.", dns.TypeA)
		for pb.Next() {
			if _, _, err := c.ExchangeWithConn(m, conn); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
