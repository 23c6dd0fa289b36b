package dnsfront

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/miekg/dns"
)

func inst(node, addr, svcAddr string, port int, tags []string, statuses ...string) *catalog.CheckServiceNode {
	n := &catalog.CheckServiceNode{
		Node:    &catalog.Node{Node: node, Address: addr},
		Service: &catalog.NodeService{ID: node + "-svc", Service: "x", Address: svcAddr, Port: port, Tags: tags},
	}
	for i, s := range statuses {
		n.Checks = append(n.Checks, &catalog.HealthCheck{Node: node, CheckID: fmt.Sprint(i), Status: s})
	}
	return n
}

func testCatalog() *fakeLookup {
	big := catalog.CheckServiceNodes{}
	for i := 0; i < 60; i++ {
		big = append(big, inst(fmt.Sprintf("b%d", i), fmt.Sprintf("10.1.0.%d", i+1), "", 80, nil, "passing"))
	}
	return &fakeLookup{
		dc: "dc1",
		nodes: map[string]*catalog.Node{
			"db1": {Node: "db1", Address: "10.0.0.1", Meta: map[string]string{"rack": "r1", "env": "prod"}},
			"db2": {Node: "db2", Address: "10.0.0.2"},
			"v6":  {Node: "v6", Address: "2001:db8::1"},
			"hn":  {Node: "hn", Address: "host.example.com"},
		},
		services: map[string]catalog.CheckServiceNodes{
			"mariadb": {
				inst("db1", "10.0.0.1", "", 3306, []string{"Primary"}, "passing", "passing"),
				inst("db2", "10.0.0.2", "", 3306, []string{"replica"}, "passing", "warning"),
				inst("db3", "10.0.0.3", "", 3306, []string{"replica"}, "passing", "critical"),
			},
			"web": {
				inst("db1", "10.0.0.1", "10.0.1.1", 80, nil, "passing"),
				inst("db2", "10.0.0.2", "web.example.com", 8080, nil, "passing"),
			},
			"v6svc":  {inst("v6", "2001:db8::1", "", 443, nil)},
			"maint":  {inst("db1", "10.0.0.1", "", 1, nil, "maintenance")},
			"consul": {inst("s1", "10.0.0.9", "", 8300, nil, "passing")},
			"big":    big,
		},
		queries: map[string]*catalog.PreparedQueryExecuteResponse{
			"geo": {Service: "pg", Datacenter: "dc2", DNS: catalog.QueryDNSOptions{TTL: "7s"},
				Nodes: catalog.CheckServiceNodes{inst("far", "10.2.0.1", "", 5432, nil, "passing")}},
			"empty": {Service: "pg", Datacenter: "dc1"},
		},
	}
}

// rrText is a short, comparable form of a record.
func rrText(rr dns.RR) string {
	switch x := rr.(type) {
	case *dns.A:
		return "A " + x.A.String()
	case *dns.AAAA:
		return "AAAA " + x.AAAA.String()
	case *dns.CNAME:
		return "CNAME " + x.Target
	case *dns.SRV:
		return fmt.Sprintf("SRV %d %d %s", x.Weight, x.Port, x.Target)
	case *dns.TXT:
		return "TXT " + strings.Join(x.Txt, " ")
	case *dns.PTR:
		return "PTR " + x.Ptr
	case *dns.NS:
		return "NS " + x.Ns
	case *dns.SOA:
		return "SOA " + x.Hdr.Name
	case *dns.OPT:
		return "OPT"
	}
	return rr.String()
}

func texts(rrs []dns.RR) []string {
	out := []string{}
	for _, rr := range rrs {
		out = append(out, rrText(rr))
	}
	slices.Sort(out)
	return out
}

func query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return m
}

func newTestChain(t *testing.T, f *fakeLookup, tune func(*Config)) Handler {
	t.Helper()
	cfg := DefaultConfig()
	cfg.AltDomain = "alt.example."
	if tune != nil {
		tune(&cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return NewChain(&cfg, f, &Counters{})
}

func TestChainNames(t *testing.T) {
	cases := []struct {
		name   string
		qname  string
		qtype  uint16
		tcp    bool
		rcode  int
		answer []string
		extra  []string // nil: not checked
		soa    bool     // SOA in the authority section
		tc     bool
	}{
		{name: "service A, healthy only", qname: "mariadb.service.consul.", qtype: dns.TypeA,
			answer: []string{"A 10.0.0.1", "A 10.0.0.2"}},
		{name: "case-insensitive", qname: "MariaDB.Service.CONSUL.", qtype: dns.TypeA,
			answer: []string{"A 10.0.0.1", "A 10.0.0.2"}},
		{name: "with datacenter", qname: "mariadb.service.dc1.consul.", qtype: dns.TypeA,
			answer: []string{"A 10.0.0.1", "A 10.0.0.2"}},
		{name: "alt domain", qname: "mariadb.service.alt.example.", qtype: dns.TypeA,
			answer: []string{"A 10.0.0.1", "A 10.0.0.2"}},
		{name: "unknown datacenter", qname: "mariadb.service.dc9.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "tag", qname: "primary.mariadb.service.consul.", qtype: dns.TypeA,
			answer: []string{"A 10.0.0.1"}},
		{name: "tag of critical only", qname: "replica.mariadb.service.consul.", qtype: dns.TypeA,
			answer: []string{"A 10.0.0.2"}},
		{name: "RFC 2782 tag", qname: "_mariadb._replica.service.consul.", qtype: dns.TypeSRV,
			answer: []string{"SRV 1 3306 db2.node.dc1.consul."}, extra: []string{"A 10.0.0.2"}},
		{name: "RFC 2782 tcp", qname: "_mariadb._tcp.service.consul.", qtype: dns.TypeSRV,
			answer: []string{"SRV 1 3306 db1.node.dc1.consul.", "SRV 1 3306 db2.node.dc1.consul."},
			extra:  []string{"A 10.0.0.1", "A 10.0.0.2"}},
		{name: "SRV with service addresses", qname: "web.service.consul.", qtype: dns.TypeSRV,
			answer: []string{"SRV 1 80 0a000101.addr.dc1.consul.", "SRV 1 8080 web.example.com."},
			extra:  []string{"A 10.0.1.1"}},
		{name: "service address and host name", qname: "web.service.consul.", qtype: dns.TypeA,
			answer: []string{"A 10.0.1.1", "CNAME web.example.com."}},
		{name: "ANY answers addresses", qname: "mariadb.service.consul.", qtype: dns.TypeANY,
			answer: []string{"A 10.0.0.1", "A 10.0.0.2"}},
		{name: "AAAA of v4 service is NODATA", qname: "mariadb.service.consul.", qtype: dns.TypeAAAA,
			answer: []string{}, soa: true},
		{name: "AAAA", qname: "v6svc.service.consul.", qtype: dns.TypeAAAA,
			answer: []string{"AAAA 2001:db8::1"}},
		{name: "TXT of a service is NODATA", qname: "mariadb.service.consul.", qtype: dns.TypeTXT,
			answer: []string{}, soa: true},
		{name: "maintenance is never answered", qname: "maint.service.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "unknown service", qname: "nope.service.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "node A", qname: "db1.node.consul.", qtype: dns.TypeA, answer: []string{"A 10.0.0.1"}},
		{name: "node with dc", qname: "DB1.node.dc1.consul.", qtype: dns.TypeA, answer: []string{"A 10.0.0.1"}},
		{name: "node TXT meta", qname: "db1.node.consul.", qtype: dns.TypeTXT,
			answer: []string{"TXT env=prod", "TXT rack=r1"}},
		{name: "node ANY", qname: "db1.node.consul.", qtype: dns.TypeANY,
			answer: []string{"A 10.0.0.1", "TXT env=prod", "TXT rack=r1"}},
		{name: "node AAAA", qname: "v6.node.consul.", qtype: dns.TypeAAAA, answer: []string{"AAAA 2001:db8::1"}},
		{name: "node AAAA NODATA", qname: "db1.node.consul.", qtype: dns.TypeAAAA, answer: []string{}, soa: true},
		{name: "node host name", qname: "hn.node.consul.", qtype: dns.TypeA, answer: []string{"CNAME host.example.com."}},
		{name: "unknown node", qname: "db9.node.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "unknown prepared query", qname: "nope.query.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "prepared query A", qname: "geo.query.consul.", qtype: dns.TypeA, answer: []string{"A 10.2.0.1"}},
		{name: "prepared query SRV names the answering datacenter", qname: "geo.query.dc1.consul.", qtype: dns.TypeSRV,
			answer: []string{"SRV 1 5432 far.node.dc2.consul."}, extra: []string{"A 10.2.0.1"}},
		{name: "prepared query without instances", qname: "empty.query.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "addr v4", qname: "0a000101.addr.dc1.consul.", qtype: dns.TypeA, answer: []string{"A 10.0.1.1"}},
		{name: "unknown form", qname: "what.ever.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "too many labels", qname: "a.b.c.service.consul.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, answer: []string{}, soa: true},
		{name: "SOA", qname: "consul.", qtype: dns.TypeSOA, answer: []string{"SOA consul."}},
		{name: "NS", qname: "consul.", qtype: dns.TypeNS, answer: []string{"NS s1.node.dc1.consul."},
			extra: []string{"A 10.0.0.9"}},
		{name: "apex A is NODATA", qname: "consul.", qtype: dns.TypeA, answer: []string{}, soa: true},
		{name: "PTR node", qname: "1.0.0.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"PTR db1.node.dc1.consul."}},
		{name: "PTR service address", qname: "1.1.0.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"PTR web.service.dc1.consul."}},
		{name: "PTR v6", qname: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", qtype: dns.TypePTR,
			answer: []string{"PTR v6.node.dc1.consul."}},
		{name: "PTR unknown, no recursors", qname: "9.9.9.9.in-addr.arpa.", qtype: dns.TypePTR,
			rcode: dns.RcodeNameError, answer: []string{}},
		{name: "outside the domain, no recursors", qname: "example.com.", qtype: dns.TypeA,
			rcode: dns.RcodeRefused, answer: []string{}},
		{name: "UDP answer limit sets TC", qname: "big.service.consul.", qtype: dns.TypeA,
			answer: []string{"A", "A", "A"}, tc: true},
		{name: "TCP carries every instance", qname: "big.service.consul.", qtype: dns.TypeA, tcp: true,
			answer: slices.Repeat([]string{"A"}, 60)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chain := newTestChain(t, testCatalog(), nil)
			w := newRecorder(tc.tcp)
			r := query(tc.qname, tc.qtype)
			rcode, err := chain.ServeDNS(context.Background(), w, r)
			if clientWrite(rcode) {
				writeError(w, r, rcode)
			} else if err != nil {
				t.Fatal(err)
			}
			m := w.last()
			if m == nil {
				t.Fatal("no response")
			}
			if m.Rcode != tc.rcode {
				t.Fatalf("rcode %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[tc.rcode])
			}
			if m.Id != r.Id || len(m.Question) != 1 || m.Question[0].Name != tc.qname {
				t.Fatalf("header/question not the query's: %v", m)
			}
			got := texts(m.Answer)
			if len(tc.answer) > 0 && !strings.Contains(tc.answer[0], " ") {
				for i := range got {
					got[i], _, _ = strings.Cut(got[i], " ")
				}
			}
			if !slices.Equal(got, tc.answer) {
				t.Errorf("answer %v, want %v", got, tc.answer)
			}
			if tc.extra != nil && !slices.Equal(texts(m.Extra), tc.extra) {
				t.Errorf("extra %v, want %v", texts(m.Extra), tc.extra)
			}
			hasSOA := len(m.Ns) == 1 && m.Ns[0].Header().Rrtype == dns.TypeSOA
			if hasSOA != tc.soa {
				t.Errorf("SOA in authority %v, want %v (%v)", hasSOA, tc.soa, m.Ns)
			}
			if m.Truncated != tc.tc {
				t.Errorf("TC %v, want %v", m.Truncated, tc.tc)
			}
		})
	}
}

func TestChainUDPSizeWithoutLimit(t *testing.T) {
	chain := newTestChain(t, testCatalog(), func(c *Config) { c.UDPAnswerLimit = 0 })
	for _, edns := range []uint16{0, 4096} {
		w := newRecorder(false)
		r := query("big.service.consul.", dns.TypeA)
		if edns > 0 {
			r.SetEdns0(edns, false)
		}
		chain.ServeDNS(context.Background(), w, r)
		m := w.last()
		buf, _ := m.Pack()
		limit := max(512, int(edns))
		if len(buf) > limit {
			t.Fatalf("edns %d: %d bytes", edns, len(buf))
		}
		if edns == 0 && (!m.Truncated || len(m.Answer) == 0 || len(m.Answer) >= 60) {
			t.Fatalf("no EDNS0: TC %v with %d answers", m.Truncated, len(m.Answer))
		}
		if edns > 0 && (m.Truncated || len(m.Answer) != 60 || m.IsEdns0() == nil) {
			t.Fatalf("EDNS0 4096: TC %v with %d answers, opt %v", m.Truncated, len(m.Answer), m.IsEdns0())
		}
	}
}

func TestChainTTLs(t *testing.T) {
	chain := newTestChain(t, testCatalog(), func(c *Config) {
		c.NodeTTL = 30 * time.Second
		c.ServiceTTL = map[string]time.Duration{"*": 5 * time.Second, "Maria*": 7 * time.Second, "web": 9 * time.Second}
		c.SOA = SOA{Refresh: 1, Retry: 2, Expire: 3, MinTTL: 4}
	})
	for _, tc := range []struct {
		qname string
		qtype uint16
		ttl   uint32
	}{
		{"db1.node.consul.", dns.TypeA, 30},
		{"mariadb.service.consul.", dns.TypeA, 7},
		{"web.service.consul.", dns.TypeA, 9},
		{"big.service.consul.", dns.TypeA, 5},
		{"consul.", dns.TypeSOA, 4},
	} {
		w := newRecorder(true)
		chain.ServeDNS(context.Background(), w, query(tc.qname, tc.qtype))
		m := w.last()
		if len(m.Answer) == 0 || m.Answer[0].Header().Ttl != tc.ttl {
			t.Errorf("%s: %v, want TTL %d", tc.qname, m.Answer, tc.ttl)
		}
		if soa, ok := m.Answer[0].(*dns.SOA); ok && (soa.Refresh != 1 || soa.Retry != 2 || soa.Expire != 3 || soa.Minttl != 4) {
			t.Errorf("SOA %v", soa)
		}
	}
}

func TestChainOnlyPassing(t *testing.T) {
	chain := newTestChain(t, testCatalog(), func(c *Config) { c.OnlyPassing = true })
	w := newRecorder(false)
	chain.ServeDNS(context.Background(), w, query("mariadb.service.consul.", dns.TypeA))
	if got := texts(w.last().Answer); !slices.Equal(got, []string{"A 10.0.0.1"}) {
		t.Fatalf("only_passing: %v", got)
	}
}

func TestChainRotates(t *testing.T) {
	chain := newTestChain(t, testCatalog(), nil)
	firsts := map[string]bool{}
	for i := 0; i < 50 && len(firsts) < 2; i++ {
		w := newRecorder(true)
		chain.ServeDNS(context.Background(), w, query("big.service.consul.", dns.TypeA))
		firsts[rrText(w.last().Answer[0])] = true
	}
	if len(firsts) < 2 {
		t.Fatal("answers never rotate")
	}
}

func TestChainLookupError(t *testing.T) {
	f := testCatalog()
	f.err = errors.New("no servers")
	chain := newTestChain(t, f, nil)
	w := newRecorder(false)
	rcode, _ := chain.ServeDNS(context.Background(), w, query("mariadb.service.consul.", dns.TypeA))
	if rcode != dns.RcodeServerFailure || len(w.msgs) != 0 {
		t.Fatalf("rcode %d, written %d", rcode, len(w.msgs))
	}
}

func TestValidate(t *testing.T) {
	chain := newTestChain(t, testCatalog(), nil)
	long := strings.Repeat("a.", 130) + "consul."
	five := query("a.service.consul.", dns.TypeA)
	for i := 0; i < 4; i++ {
		five.Question = append(five.Question, five.Question[0])
	}
	notQuery := query("a.service.consul.", dns.TypeA)
	notQuery.Opcode = dns.OpcodeUpdate
	for name, tc := range map[string]struct {
		r    *dns.Msg
		want int
	}{
		"no question":    {&dns.Msg{}, dns.RcodeFormatError},
		"five questions": {five, dns.RcodeFormatError},
		"name too long":  {query(long, dns.TypeA), dns.RcodeFormatError},
		"not a query":    {notQuery, dns.RcodeNotImplemented},
	} {
		rcode, _ := chain.ServeDNS(context.Background(), newRecorder(false), tc.r)
		if rcode != tc.want {
			t.Errorf("%s: rcode %d, want %d", name, rcode, tc.want)
		}
	}
}

// A prepared query's DNS TTL wins over the service TTL; without one the
// service's applies.
func TestPreparedQueryTTL(t *testing.T) {
	f := testCatalog()
	f.queries["plain"] = &catalog.PreparedQueryExecuteResponse{Service: "pg", Datacenter: "dc1",
		Nodes: catalog.CheckServiceNodes{inst("n1", "10.0.0.1", "", 5432, nil, "passing")}}
	chain := newTestChain(t, f, func(c *Config) { c.ServiceTTL = map[string]time.Duration{"*": 3 * time.Second} })
	for qname, want := range map[string]uint32{"geo.query.consul.": 7, "plain.query.consul.": 3} {
		w := newRecorder(false)
		if _, err := chain.ServeDNS(context.Background(), w, query(qname, dns.TypeA)); err != nil {
			t.Fatal(err)
		}
		m := w.last()
		if m == nil || len(m.Answer) != 1 || m.Answer[0].Header().Ttl != want {
			t.Fatalf("%s: %v, want one record with TTL %d", qname, m, want)
		}
	}
}
