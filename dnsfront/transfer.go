package dnsfront

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/miekg/dns"

	"github.com/concord-dev/concord/dnsfront/zone"
)

// Export is an exported zone (dns_config.zone_transfer) as the DNS front
// serves it.
type Export struct {
	// Origin is the zone's name, fully qualified and lower case.
	Origin string
	// Current is the zone as it stands; nil while it is not built yet.
	Current func() *zone.Zone
	// Allow are the networks that may transfer the zone.
	Allow []*net.IPNet
}

func (e *Export) holds(name string) bool {
	return e != nil && dns.IsSubDomain(e.Origin, dns.CanonicalName(name))
}

// ExportSlot holds the exported zone, if any; the agent replaces it on a
// reload while queries read it.
type ExportSlot struct {
	p atomic.Pointer[Export]
}

// Set makes e the exported zone; nil exports none.
func (s *ExportSlot) Set(e *Export) {
	if e != nil {
		c := *e
		c.Origin = dns.CanonicalName(c.Origin)
		e = &c
	}
	s.p.Store(e)
}

// Get is the exported zone, nil when there is none.
func (s *ExportSlot) Get() *Export {
	if s == nil {
		return nil
	}
	return s.p.Load()
}

// Transfer answers AXFR, and IXFR the AXFR way (RFC 1995 allows a full
// zone as the answer), for the exported zone: over TCP, to the allowed
// networks only; everyone else is REFUSED. It comes before Shape, which
// would rotate the records the transfer must keep in order.
type Transfer struct {
	Export *ExportSlot
	Next   Handler
}

// transferChunk is how many records go in one message of a transfer.
const transferChunk = 200

// ServeDNS implements Handler.
func (h *Transfer) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	q := r.Question[0]
	e := h.Export.Get()
	if (q.Qtype != dns.TypeAXFR && q.Qtype != dns.TypeIXFR) || !e.holds(q.Name) {
		return h.Next.ServeDNS(ctx, w, r)
	}
	if dns.CanonicalName(q.Name) != e.Origin || !allowed(e.Allow, w.RemoteAddr()) {
		return dns.RcodeRefused, nil
	}
	z := e.Current()
	if z == nil {
		return dns.RcodeServerFailure, nil
	}
	if isUDP(w) {
		if q.Qtype == dns.TypeIXFR {
			// RFC 1995 4: a UDP IXFR answered with the SOA alone tells the
			// client to ask again over TCP.
			m := new(dns.Msg)
			m.SetReply(r)
			m.Authoritative = true
			m.Answer = []dns.RR{z.SOA()}
			return dns.RcodeSuccess, w.WriteMsg(m)
		}
		return dns.RcodeRefused, nil
	}
	// SOA, every record, SOA again (RFC 5936 2.2).
	records := append(append([]dns.RR{}, z.Records...), z.SOA())
	ch := make(chan *dns.Envelope)
	done := make(chan error, 1)
	go func() { done <- new(dns.Transfer).Out(w, r, ch) }()
	for len(records) > 0 {
		n := min(len(records), transferChunk)
		ch <- &dns.Envelope{RR: records[:n]}
		records = records[n:]
	}
	close(ch)
	return dns.RcodeSuccess, <-done
}

func allowed(nets []*net.IPNet, addr net.Addr) bool {
	var ip net.IP
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	}
	for _, n := range nets {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// ZoneAnswer answers ordinary questions about names in the exported zone
// from the zone itself (a secondary's SOA check after a NOTIFY among
// them). It comes before the cache, so a new serial is seen at once.
type ZoneAnswer struct {
	Export *ExportSlot
	Next   Handler
}

// ServeDNS implements Handler.
func (h *ZoneAnswer) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	q := r.Question[0]
	e := h.Export.Get()
	if !e.holds(q.Name) {
		return h.Next.ServeDNS(ctx, w, r)
	}
	z := e.Current()
	if z == nil {
		return dns.RcodeServerFailure, nil
	}
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	rrs, exists := z.Lookup(q.Name, q.Qtype)
	m.Answer = rrs
	switch {
	case !exists:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{negativeSOA(z.SOA())}
	case len(rrs) == 0:
		m.Ns = []dns.RR{negativeSOA(z.SOA())}
	}
	for _, rr := range rrs {
		if srv, ok := rr.(*dns.SRV); ok {
			extra, _ := z.Lookup(srv.Target, dns.TypeANY)
			m.Extra = append(m.Extra, extra...)
		}
	}
	return m.Rcode, w.WriteMsg(m)
}

// negativeSOA is the SOA of a negative answer, whose TTL is the lesser
// of its own and its minimum (RFC 2308 3).
func negativeSOA(soa *dns.SOA) dns.RR {
	c := dns.Copy(soa).(*dns.SOA)
	c.Hdr.Ttl = min(c.Hdr.Ttl, c.Minttl)
	return c
}
