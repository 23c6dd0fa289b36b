package dnsfront

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// upstream starts a DNS server on 127.0.0.1 that answers every A query
// with 192.0.2.1.
func upstream(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// deadAddr is a UDP address nothing answers on.
func deadAddr(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func TestRecursorInOrder(t *testing.T) {
	up := upstream(t)
	chain := newTestChain(t, testCatalog(), func(c *Config) {
		c.Recursors = []string{deadAddr(t), up}
		c.RecursorTimeout = 200 * time.Millisecond
	})
	w := newRecorder(false)
	r := query("www.example.com.", dns.TypeA)
	rcode, err := chain.ServeDNS(context.Background(), w, r)
	if err != nil || rcode != dns.RcodeSuccess {
		t.Fatal(rcode, err)
	}
	m := w.last()
	if m.Id != r.Id || !m.RecursionAvailable || m.Authoritative || len(m.Answer) != 1 || rrText(m.Answer[0]) != "A 192.0.2.1" {
		t.Fatalf("forwarded answer %v", m)
	}
	// Catalog names still come from the catalog, with RA set.
	w = newRecorder(false)
	chain.ServeDNS(context.Background(), w, query("db1.node.consul.", dns.TypeA))
	if m := w.last(); !m.Authoritative || !m.RecursionAvailable || rrText(m.Answer[0]) != "A 10.0.0.1" {
		t.Fatalf("catalog answer %v", m)
	}
	// A reverse name the catalog does not know goes to the recursors.
	w = newRecorder(false)
	chain.ServeDNS(context.Background(), w, query("9.9.9.9.in-addr.arpa.", dns.TypePTR))
	if m := w.last(); m == nil || m.Authoritative {
		t.Fatalf("reverse answer %v", m)
	}
}

func TestRecursorAllDown(t *testing.T) {
	chain := newTestChain(t, testCatalog(), func(c *Config) {
		c.Recursors = []string{deadAddr(t)}
		c.RecursorTimeout = 100 * time.Millisecond
	})
	rcode, _ := chain.ServeDNS(context.Background(), newRecorder(false), query("www.example.com.", dns.TypeA))
	if rcode != dns.RcodeServerFailure {
		t.Fatalf("rcode %d", rcode)
	}
}
