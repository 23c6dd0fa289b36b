package dnsfront

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/miekg/dns"
)

// slowLookup blocks ServiceNodes for "slow" until release is closed.
type slowLookup struct {
	*fakeLookup
	release chan struct{}
}

func (l slowLookup) ServiceNodes(ctx context.Context, dc, service string) (catalog.CheckServiceNodes, error) {
	if service == "slow" {
		select {
		case <-l.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return l.fakeLookup.ServiceNodes(ctx, dc, service)
}

// A query waiting for a catalog read does not hold up the others on the
// same socket, and is answered once the read returns.
func TestUDPSlowQueryDoesNotBlockOthers(t *testing.T) {
	f := &fakeLookup{dc: "dc1", services: map[string]catalog.CheckServiceNodes{
		"web":  {inst("n1", "10.0.0.1", "", 80, nil, "passing")},
		"slow": {inst("n2", "10.0.0.2", "", 80, nil, "passing")},
	}}
	l := slowLookup{fakeLookup: f, release: make(chan struct{})}
	s, err := New(DefaultConfig(), l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// One client socket, so the kernel sends every query to one reader.
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	conn, err := c.Dial(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	slow := query("slow.service.consul.", dns.TypeA)
	if err := conn.WriteMsg(slow); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the slow query is waiting now
	for i := 0; i < 3; i++ {
		m := query("web.service.consul.", dns.TypeA)
		if err := conn.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
		resp, err := conn.ReadMsg()
		if err != nil {
			t.Fatalf("query %d behind a slow one: %v", i, err)
		}
		if resp.Id != m.Id || len(resp.Answer) != 1 {
			t.Fatalf("query %d: got %v", i, resp)
		}
	}
	close(l.release)
	resp, err := conn.ReadMsg()
	if err != nil {
		t.Fatalf("the slow query: %v", err)
	}
	if resp.Id != slow.Id || len(resp.Answer) != 1 {
		t.Fatalf("the slow query: got %v", resp)
	}
}

// Datagrams that are not one-question queries get FORMERR or NOTIMP
// without reaching the chain, or silence; none stops the server.
func TestUDPMalformed(t *testing.T) {
	f := &fakeLookup{dc: "dc1", services: map[string]catalog.CheckServiceNodes{
		"web": {inst("n1", "10.0.0.1", "", 80, nil, "passing")},
	}}
	s, err := New(DefaultConfig(), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exchange := func(pkt []byte) *dns.Msg {
		t.Helper()
		if _, err := conn.Write(pkt); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 1024)
		n, err := conn.Read(buf)
		if err != nil {
			return nil
		}
		m := new(dns.Msg)
		if err := m.Unpack(buf[:n]); err != nil {
			t.Fatalf("unpack the answer: %v", err)
		}
		return m
	}
	two := query("web.service.consul.", dns.TypeA)
	two.Question = append(two.Question, two.Question[0])
	twoPkt, _ := two.Pack()
	update := query("web.service.consul.", dns.TypeA)
	update.Opcode = dns.OpcodeUpdate
	updatePkt, _ := update.Pack()
	answer := query("web.service.consul.", dns.TypeA)
	answer.Response = true
	answerPkt, _ := answer.Pack()
	truncated := twoPkt[:20] // one question header, a cut name

	for _, tc := range []struct {
		name  string
		pkt   []byte
		rcode int // -1: silence
		id    uint16
	}{
		{"short", []byte{1, 2, 3}, -1, 0},
		{"two questions", twoPkt, dns.RcodeFormatError, two.Id},
		{"update", updatePkt, dns.RcodeNotImplemented, update.Id},
		{"a response", answerPkt, -1, 0},
		{"cut", truncated, dns.RcodeFormatError, two.Id},
	} {
		m := exchange(tc.pkt)
		switch {
		case tc.rcode < 0 && m != nil:
			t.Errorf("%s: answered %v", tc.name, m)
		case tc.rcode >= 0 && m == nil:
			t.Errorf("%s: no answer", tc.name)
		case tc.rcode >= 0 && (m.Rcode != tc.rcode || m.Id != tc.id || !m.Response):
			t.Errorf("%s: got rcode %d id %d, want %d id %d", tc.name, m.Rcode, m.Id, tc.rcode, tc.id)
		}
	}
	ok := query("web.service.consul.", dns.TypeA)
	okPkt, _ := ok.Pack()
	if m := exchange(okPkt); m == nil || len(m.Answer) != 1 {
		t.Fatalf("after malformed datagrams: %v", m)
	}
}
