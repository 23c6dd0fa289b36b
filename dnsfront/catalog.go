package dnsfront

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/miekg/dns"
)

// lookupTimeout bounds the catalog reads of one query; resolvers give up
// after a few seconds anyway.
const lookupTimeout = 3 * time.Second

// Catalog answers the names under the domains (and reverse names of
// catalog addresses) from a Lookup; it passes every other name to Next.
type Catalog struct {
	cfg    *Config
	lookup Lookup
	Next   Handler
}

// ServeDNS implements Handler.
func (c *Catalog) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	q := r.Question[0]
	pq, inZone := parseName(q.Name, c.cfg.Domain, c.cfg.AltDomain)
	if !inZone && (pq.kind != kindPTR || (q.Qtype != dns.TypePTR && q.Qtype != dns.TypeANY)) {
		return c.next(ctx, w, r)
	}
	if pq.kind != kindAddr && pq.kind != kindUnknown {
		willBlock(ctx) // a catalog read
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.RecursionAvailable = len(c.cfg.Recursors) > 0
	m.Compress = true
	dc := pq.dc
	if dc == "" {
		dc = c.cfg.Datacenter
	}
	var err error
	switch pq.kind {
	case kindPTR:
		var found bool
		found, err = c.ptr(ctx, m, q, pq.ip)
		if err == nil && !found {
			if len(c.cfg.Recursors) > 0 {
				return c.next(ctx, w, r)
			}
			m.Rcode = dns.RcodeNameError
		}
	case kindApex:
		err = c.apex(ctx, m, q, pq)
	case kindService:
		err = c.service(ctx, m, q, pq, dc)
	case kindNode:
		err = c.node(ctx, m, q, pq, dc)
	case kindQuery:
		err = c.preparedQuery(ctx, m, q, pq, dc)
	case kindAddr:
		m.Answer = addrRecords(q.Name, pq.ip.String(), q.Qtype, c.cfg.NodeTTL)
		c.noData(m, pq)
	default: // kindUnknown
		c.nxDomain(m, pq)
	}
	if errors.Is(err, catalog.ErrUnknownDC) || pq.kind == kindQuery && errors.Is(err, catalog.ErrNotFound) {
		m.Answer, m.Extra = nil, nil
		c.nxDomain(m, pq)
		err = nil
	}
	if err != nil {
		return dns.RcodeServerFailure, err
	}
	return m.Rcode, w.WriteMsg(m)
}

func (c *Catalog) next(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if c.Next == nil {
		return dns.RcodeRefused, nil
	}
	return c.Next.ServeDNS(ctx, w, r)
}

// nxDomain makes m a name error with the SOA in the authority section.
func (c *Catalog) nxDomain(m *dns.Msg, pq question) {
	m.Rcode = dns.RcodeNameError
	m.Ns = []dns.RR{c.soa(pq.domain)}
}

// noData adds the SOA when a name that exists has no record of the type.
func (c *Catalog) noData(m *dns.Msg, pq question) {
	if len(m.Answer) == 0 {
		m.Ns = []dns.RR{c.soa(pq.domain)}
	}
}

func (c *Catalog) soa(domain string) dns.RR {
	if domain == "" {
		domain = c.cfg.Domain
	}
	s := c.cfg.SOA
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: domain, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.MinTTL},
		Ns:      "ns." + domain,
		Mbox:    "hostmaster." + domain,
		Serial:  uint32(c.cfg.Now().Unix()),
		Refresh: s.Refresh,
		Retry:   s.Retry,
		Expire:  s.Expire,
		Minttl:  s.MinTTL,
	}
}

// healthy keeps the instances DNS may answer: never one with a critical
// (or maintenance) check, and with OnlyPassing none with a warning. tag,
// when set, must be one of the instance's tags (any case).
func (c *Catalog) healthy(nodes catalog.CheckServiceNodes, tag string) catalog.CheckServiceNodes {
	out := make(catalog.CheckServiceNodes, 0, len(nodes))
next:
	for _, n := range nodes {
		if n.Node == nil || n.Service == nil {
			continue
		}
		for _, hc := range n.Checks {
			switch hc.Status {
			case catalog.HealthPassing:
			case catalog.HealthWarning:
				if c.cfg.OnlyPassing {
					continue next
				}
			default:
				continue next
			}
		}
		if tag != "" && !hasTag(n.Service.Tags, tag) {
			continue
		}
		out = append(out, n)
	}
	return out
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

func (c *Catalog) service(ctx context.Context, m *dns.Msg, q dns.Question, pq question, dc string) error {
	all, err := c.lookup.ServiceNodes(ctx, dc, pq.name)
	if err != nil {
		return err
	}
	nodes := c.healthy(all, pq.tag)
	if len(nodes) == 0 {
		c.nxDomain(m, pq)
		return nil
	}
	c.instances(m, q, pq, nodes, dc, time.Duration(c.cfg.serviceTTL(pq.name))*time.Second)
	return nil
}

// preparedQuery answers NAME.query[.DC]: the instances the query returns,
// already filtered by its own health rules (so IgnoreCheckIDs holds),
// with the query's DNS TTL when it sets one, else the service's. SRV
// targets name the datacenter that answered, which after a failover is
// not the one asked.
func (c *Catalog) preparedQuery(ctx context.Context, m *dns.Msg, q dns.Question, pq question, dc string) error {
	res, err := c.lookup.PreparedQuery(ctx, dc, pq.name)
	if err != nil {
		return err
	}
	nodes := make(catalog.CheckServiceNodes, 0, len(res.Nodes))
	for _, n := range res.Nodes {
		if n.Node != nil && n.Service != nil {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		c.nxDomain(m, pq)
		return nil
	}
	ttl := time.Duration(c.cfg.serviceTTL(res.Service)) * time.Second
	if res.DNS.TTL != "" {
		if d, err := time.ParseDuration(res.DNS.TTL); err == nil && d >= 0 {
			ttl = d
		}
	}
	if res.Datacenter != "" {
		dc = res.Datacenter
	}
	c.instances(m, q, pq, nodes, dc, ttl)
	return nil
}

// instances answers a service's (or a query's) healthy instances: SRV
// records, or the addresses for A, AAAA and ANY.
func (c *Catalog) instances(m *dns.Msg, q dns.Question, pq question, nodes catalog.CheckServiceNodes, dc string, ttl time.Duration) {
	switch q.Qtype {
	case dns.TypeSRV:
		c.srv(m, q, nodes, dc, pq.domain, ttl)
	default:
		seen := make(map[string]bool, len(nodes))
		for _, n := range nodes {
			addr := n.Service.Address
			if addr == "" {
				addr = n.Node.Address
			}
			if seen[addr] {
				continue
			}
			seen[addr] = true
			m.Answer = append(m.Answer, addrRecords(q.Name, addr, q.Qtype, ttl)...)
		}
	}
	c.noData(m, pq)
}

// srv answers SRV records whose targets resolve: the node's name when the
// instance uses the node's address, an .addr. name for its own IP, or its
// own host name; the targets' addresses go in the additional section.
func (c *Catalog) srv(m *dns.Msg, q dns.Question, nodes catalog.CheckServiceNodes, dc, domain string, ttl time.Duration) {
	extra := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		addr := n.Service.Address
		var target string
		switch {
		case addr == "" || addr == n.Node.Address:
			target, addr = n.Node.Node+".node."+dc+"."+domain, n.Node.Address
		case net.ParseIP(addr) != nil:
			target = addrLabel(net.ParseIP(addr)) + ".addr." + dc + "." + domain
		default:
			target, addr = dns.Fqdn(addr), ""
		}
		target = strings.ToLower(target)
		m.Answer = append(m.Answer, &dns.SRV{
			Hdr:      dns.RR_Header{Name: q.Name, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: seconds(ttl)},
			Priority: 1,
			Weight:   uint16(weight(n)),
			Port:     uint16(n.Service.Port),
			Target:   target,
		})
		if addr != "" && !extra[target] {
			extra[target] = true
			m.Extra = append(m.Extra, addrRecords(target, addr, dns.TypeANY, ttl)...)
		}
	}
}

// weight is the instance's SRV weight: its passing weight, or its warning
// weight when a check warns; 1 when none is set.
func weight(n *catalog.CheckServiceNode) int {
	w := n.Service.Weights
	if w == nil {
		return 1
	}
	for _, hc := range n.Checks {
		if hc.Status == catalog.HealthWarning {
			return min(max(w.Warning, 0), 65535)
		}
	}
	return min(max(w.Passing, 0), 65535)
}

// addrRecords answers qtype for an address: A or AAAA for an IP of the
// matching family (both for ANY), a CNAME for a host name.
func addrRecords(name, addr string, qtype uint16, ttl time.Duration) []dns.RR {
	hdr := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: seconds(ttl)}
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		if addr == "" || (qtype != dns.TypeA && qtype != dns.TypeAAAA && qtype != dns.TypeANY) {
			return nil
		}
		hdr.Rrtype = dns.TypeCNAME
		return []dns.RR{&dns.CNAME{Hdr: hdr, Target: dns.Fqdn(addr)}}
	case ip.To4() != nil:
		if qtype != dns.TypeA && qtype != dns.TypeANY {
			return nil
		}
		hdr.Rrtype = dns.TypeA
		return []dns.RR{&dns.A{Hdr: hdr, A: ip.To4()}}
	default:
		if qtype != dns.TypeAAAA && qtype != dns.TypeANY {
			return nil
		}
		hdr.Rrtype = dns.TypeAAAA
		return []dns.RR{&dns.AAAA{Hdr: hdr, AAAA: ip}}
	}
}

func (c *Catalog) node(ctx context.Context, m *dns.Msg, q dns.Question, pq question, dc string) error {
	n, err := c.lookup.Node(ctx, dc, pq.name)
	if err != nil {
		return err
	}
	if n == nil {
		c.nxDomain(m, pq)
		return nil
	}
	m.Answer = addrRecords(q.Name, n.Address, q.Qtype, c.cfg.NodeTTL)
	if q.Qtype == dns.TypeTXT || q.Qtype == dns.TypeANY {
		keys := make([]string, 0, len(n.Meta))
		for k := range n.Meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: seconds(c.cfg.NodeTTL)},
				Txt: []string{k + "=" + n.Meta[k]},
			})
		}
	}
	c.noData(m, pq)
	return nil
}

// maxNS bounds the NS records of the apex.
const maxNS = 3

// apex answers SOA, and NS records naming the servers (the instances of
// the "consul" service) as <node>.node.<dc>.<domain>, with their addresses
// as glue.
func (c *Catalog) apex(ctx context.Context, m *dns.Msg, q dns.Question, pq question) error {
	if q.Qtype == dns.TypeSOA || q.Qtype == dns.TypeANY {
		m.Answer = append(m.Answer, c.soa(pq.domain))
	}
	if q.Qtype == dns.TypeNS || q.Qtype == dns.TypeANY {
		all, err := c.lookup.ServiceNodes(ctx, c.cfg.Datacenter, "consul")
		if err != nil {
			return err
		}
		for _, n := range c.healthy(all, "") {
			if len(m.Answer) >= maxNS+1 {
				break
			}
			target := strings.ToLower(n.Node.Node + ".node." + c.cfg.Datacenter + "." + pq.domain)
			m.Answer = append(m.Answer, &dns.NS{
				Hdr: dns.RR_Header{Name: pq.domain, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: seconds(c.cfg.NodeTTL)},
				Ns:  target,
			})
			m.Extra = append(m.Extra, addrRecords(target, n.Node.Address, dns.TypeANY, c.cfg.NodeTTL)...)
		}
	}
	c.noData(m, pq)
	return nil
}

// ptr answers the reverse name of ip with the nodes and services that use
// it; found is false when none does.
func (c *Catalog) ptr(ctx context.Context, m *dns.Msg, q dns.Question, ip net.IP) (found bool, err error) {
	nodes, services, err := c.lookup.Reverse(ctx, c.cfg.Datacenter, ip)
	if err != nil {
		return false, err
	}
	add := func(target string, ttl time.Duration) {
		m.Answer = append(m.Answer, &dns.PTR{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: seconds(ttl)},
			Ptr: strings.ToLower(target),
		})
	}
	dc := c.cfg.Datacenter
	for _, n := range nodes {
		add(n+".node."+dc+"."+c.cfg.Domain, c.cfg.NodeTTL)
	}
	for _, s := range services {
		add(s+".service."+dc+"."+c.cfg.Domain, time.Duration(c.cfg.serviceTTL(s))*time.Second)
	}
	return len(m.Answer) > 0, nil
}
