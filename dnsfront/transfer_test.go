package dnsfront

import (
	"context"
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/concord-dev/concord/dnsfront/zone"
)

func testExport(t *testing.T, allow ...string) *ExportSlot {
	t.Helper()
	p := zone.Params{Origin: "geant.services.", NS: []string{"ns"}, NSAddrs: map[string]string{"ns": "127.0.0.1"}, TTL: 30}
	rrs, hash := zone.Build(p, []zone.Instance{
		{Service: "crowd", Node: "prod-crowd01", ID: "crowd", Address: "1.1.1.10", Port: 8095},
		{Service: "crowd", Node: "prod-crowd02", ID: "crowd", Address: "1.1.1.11", Port: 8095},
	})
	z := zone.New(p, rrs, hash, 42)
	e := &Export{Origin: "geant.services.", Current: func() *zone.Zone { return z }}
	for _, a := range allow {
		_, n, err := net.ParseCIDR(a)
		if err != nil {
			t.Fatal(err)
		}
		e.Allow = append(e.Allow, n)
	}
	slot := &ExportSlot{}
	slot.Set(e)
	return slot
}

var nextHandler = HandlerFunc(func(context.Context, dns.ResponseWriter, *dns.Msg) (int, error) {
	return dns.RcodeNotImplemented, nil
})

// TestTransferAllowList: AXFR over TCP from an allowed network streams the
// zone SOA first and last; other networks, UDP AXFR and subzones are
// REFUSED; names outside the zone go on down the chain.
func TestTransferAllowList(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow []string
		tcp   bool
		q     *dns.Msg
		rcode int
	}{
		{"allowed over TCP", []string{"127.0.0.0/8"}, true, query("geant.services.", dns.TypeAXFR), dns.RcodeSuccess},
		{"IXFR the AXFR way", []string{"127.0.0.0/8"}, true, query("GEANT.services.", dns.TypeIXFR), dns.RcodeSuccess},
		{"network not listed", []string{"10.0.0.0/8"}, true, query("geant.services.", dns.TypeAXFR), dns.RcodeRefused},
		{"empty allow list", nil, true, query("geant.services.", dns.TypeAXFR), dns.RcodeRefused},
		{"AXFR over UDP", []string{"127.0.0.0/8"}, false, query("geant.services.", dns.TypeAXFR), dns.RcodeRefused},
		{"a name below the zone", []string{"127.0.0.0/8"}, true, query("crowd.geant.services.", dns.TypeAXFR), dns.RcodeRefused},
		{"another zone", []string{"127.0.0.0/8"}, true, query("example.org.", dns.TypeAXFR), dns.RcodeNotImplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &Transfer{Export: testExport(t, tc.allow...), Next: nextHandler}
			w := newRecorder(tc.tcp)
			rcode, err := h.ServeDNS(context.Background(), w, tc.q)
			if err != nil || rcode != tc.rcode {
				t.Fatalf("rcode %s err %v, want %s", dns.RcodeToString[rcode], err, dns.RcodeToString[tc.rcode])
			}
			if rcode != dns.RcodeSuccess {
				if len(w.msgs) != 0 {
					t.Errorf("wrote %v", w.msgs)
				}
				return
			}
			var rrs []dns.RR
			for _, m := range w.msgs {
				rrs = append(rrs, m.Answer...)
			}
			if len(rrs) < 3 || rrs[0].Header().Rrtype != dns.TypeSOA || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
				t.Fatalf("transfer %v: want SOA first and last", rrs)
			}
			if got := rrs[0].(*dns.SOA).Serial; got != 42 {
				t.Errorf("serial %d", got)
			}
		})
	}
}

func TestTransferUDPIXFRGetsSOA(t *testing.T) {
	h := &Transfer{Export: testExport(t, "127.0.0.0/8"), Next: nextHandler}
	w := newRecorder(false)
	if rcode, _ := h.ServeDNS(context.Background(), w, query("geant.services.", dns.TypeIXFR)); rcode != dns.RcodeSuccess {
		t.Fatalf("rcode %d", rcode)
	}
	if m := w.last(); len(m.Answer) != 1 || m.Answer[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("UDP IXFR answer %v, want the SOA alone", m)
	}
}

func TestZoneAnswer(t *testing.T) {
	h := &ZoneAnswer{Export: testExport(t), Next: nextHandler}
	for _, tc := range []struct {
		name          string
		qtype         uint16
		rcode, answer int
	}{
		{"crowd.geant.services.", dns.TypeA, dns.RcodeSuccess, 2},
		{"geant.services.", dns.TypeSOA, dns.RcodeSuccess, 1},
		{"_crowd._tcp.geant.services.", dns.TypeSRV, dns.RcodeSuccess, 2},
		{"crowd.geant.services.", dns.TypeMX, dns.RcodeSuccess, 0},
		{"nope.geant.services.", dns.TypeA, dns.RcodeNameError, 0},
	} {
		w := newRecorder(false)
		rcode, err := h.ServeDNS(context.Background(), w, query(tc.name, tc.qtype))
		m := w.last()
		if err != nil || rcode != tc.rcode || m == nil || len(m.Answer) != tc.answer || !m.Authoritative {
			t.Errorf("%s %s: rcode %d answer %v", tc.name, dns.TypeToString[tc.qtype], rcode, m)
			continue
		}
		if tc.answer == 0 && (len(m.Ns) != 1 || m.Ns[0].Header().Rrtype != dns.TypeSOA) {
			t.Errorf("%s: negative answer without the SOA: %v", tc.name, m)
		}
		if tc.qtype == dns.TypeSRV && len(m.Extra) != 2 {
			t.Errorf("SRV without the targets' addresses: %v", m)
		}
	}
	if rcode, _ := h.ServeDNS(context.Background(), newRecorder(false), query("web.service.consul.", dns.TypeA)); rcode != dns.RcodeNotImplemented {
		t.Errorf("a name outside the zone was answered (%d)", rcode)
	}
}

// TestExportSlotSwaps: a replaced or removed export takes effect on the
// next query; an empty slot passes every name on.
func TestExportSlotSwaps(t *testing.T) {
	slot := testExport(t, "127.0.0.0/8")
	h := &ZoneAnswer{Export: slot, Next: nextHandler}
	ask := func() int {
		rcode, _ := h.ServeDNS(context.Background(), newRecorder(false), query("crowd.geant.services.", dns.TypeA))
		return rcode
	}
	if rcode := ask(); rcode != dns.RcodeSuccess {
		t.Fatalf("rcode %d", rcode)
	}
	slot.Set(nil)
	if rcode := ask(); rcode != dns.RcodeNotImplemented {
		t.Errorf("after removal rcode %d, want the name passed on", rcode)
	}
	slot.Set(testExport(t).Get())
	if rcode := ask(); rcode != dns.RcodeSuccess {
		t.Errorf("after a new export rcode %d", rcode)
	}
}
