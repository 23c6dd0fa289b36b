package zone

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Instance is one healthy service instance as the zone sees it.
type Instance struct {
	Service string // the service name, one DNS label once lowered
	Node    string
	ID      string
	Address string // an IP; instances with a host name are left out
	Port    int
}

func (i Instance) key() string {
	return strings.Join([]string{i.Service, i.Node, i.ID, i.Address, fmt.Sprint(i.Port)}, "\x00")
}

// Params are the zone's fixed parts.
type Params struct {
	Origin string // "geant.services."
	// NS names the zone's name servers; each is ns.ORIGIN-relative when
	// it has no dot, and gets an A/AAAA record when NSAddrs holds one.
	NS      []string
	NSAddrs map[string]string
	TTL     uint32
	// SOA timers, in seconds.
	Refresh, Retry, Expire, MinTTL uint32
}

// Zone is one built version of the zone: its records, SOA first.
type Zone struct {
	Origin  string
	Serial  uint32
	Hash    string // of the records but the SOA: what the serial follows
	Records []dns.RR
}

// label is a service or node name as a DNS label: lowered, with
// anything but letters, digits and '-' replaced by '-'; "" when nothing
// usable is left.
func label(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	l := strings.Trim(b.String(), "-")
	if len(l) > 63 {
		l = l[:63]
	}
	return l
}

// Build assembles the records of p for instances (SOA serial left 0),
// sorted canonically, and their hash.
func Build(p Params, instances []Instance) ([]dns.RR, string) {
	origin := dns.CanonicalName(p.Origin)
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: p.TTL}
	}
	var rrs []dns.RR
	seen := map[string]bool{}
	add := func(rr dns.RR) {
		if k := rr.String(); !seen[k] {
			seen[k] = true
			rrs = append(rrs, rr)
		}
	}
	addrRR := func(name, addr string) {
		ip := net.ParseIP(addr)
		switch {
		case ip == nil:
		case ip.To4() != nil:
			add(&dns.A{Hdr: hdr(name, dns.TypeA), A: ip.To4()})
		default:
			add(&dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: ip})
		}
	}
	for _, ns := range p.NS {
		name := dns.Fqdn(ns)
		if !strings.Contains(strings.TrimSuffix(ns, "."), ".") {
			name = ns + "." + origin
		}
		add(&dns.NS{Hdr: hdr(origin, dns.TypeNS), Ns: name})
		if a, ok := p.NSAddrs[ns]; ok && dns.IsSubDomain(origin, name) {
			addrRR(name, a)
		}
	}
	for _, in := range instances {
		svc, node := label(in.Service), label(in.Node)
		if svc == "" || node == "" || net.ParseIP(in.Address) == nil {
			continue
		}
		addrRR(svc+"."+origin, in.Address)
		target := node + "." + svc + "." + origin
		addrRR(target, in.Address)
		if in.Port > 0 {
			add(&dns.SRV{Hdr: hdr("_"+svc+"._tcp."+origin, dns.TypeSRV), Priority: 1, Weight: 1,
				Port: uint16(in.Port), Target: target})
		}
	}
	sort.Slice(rrs, func(i, j int) bool { return rrs[i].String() < rrs[j].String() })
	sum := sha256.New()
	for _, rr := range rrs {
		fmt.Fprintln(sum, rr.String())
	}
	return rrs, hex.EncodeToString(sum.Sum(nil))
}

// NextSerial is the serial of content hash after a zone whose serial and
// hash were prev and prevHash: unchanged content keeps the serial; new
// content takes the larger of prev+1 and the Unix time, so serials also
// grow across a lost state file.
func NextSerial(prev uint32, prevHash, hash string, unix int64) uint32 {
	if hash == prevHash && prev != 0 {
		return prev
	}
	next := prev + 1
	if t := uint32(unix); int64(t) == unix && t > next {
		next = t
	}
	return next
}

// New builds the zone with its serial.
func New(p Params, records []dns.RR, hash string, serial uint32) *Zone {
	origin := dns.CanonicalName(p.Origin)
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: p.TTL},
		Ns:      "ns." + origin,
		Mbox:    "hostmaster." + origin,
		Serial:  serial,
		Refresh: p.Refresh, Retry: p.Retry, Expire: p.Expire, Minttl: p.MinTTL,
	}
	if len(p.NS) > 0 {
		if ns := dns.Fqdn(p.NS[0]); strings.Contains(strings.TrimSuffix(p.NS[0], "."), ".") {
			soa.Ns = ns
		} else {
			soa.Ns = p.NS[0] + "." + origin
		}
	}
	return &Zone{Origin: origin, Serial: serial, Hash: hash, Records: append([]dns.RR{soa}, records...)}
}

// SOA is the zone's SOA record.
func (z *Zone) SOA() *dns.SOA { return z.Records[0].(*dns.SOA) }

// Text is the zone in RFC 1035 master file format.
func (z *Zone) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n", z.Origin)
	for _, rr := range z.Records {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Lookup returns the records of name and type t (dns.TypeANY: all), and
// whether name exists in the zone at all.
func (z *Zone) Lookup(name string, t uint16) (rrs []dns.RR, exists bool) {
	name = dns.CanonicalName(name)
	for _, rr := range z.Records {
		h := rr.Header()
		if h.Name != name {
			if dns.IsSubDomain(name, h.Name) {
				exists = true // an empty non-terminal
			}
			continue
		}
		exists = true
		if t == dns.TypeANY || h.Rrtype == t {
			rrs = append(rrs, rr)
		}
	}
	return rrs, exists
}
