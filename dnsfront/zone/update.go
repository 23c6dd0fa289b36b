package zone

import (
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// UpdateConfig says where RFC 2136 updates go.
type UpdateConfig struct {
	// Primary is the server that accepts updates (host:port).
	Primary string
	// TSIG signs every update when TSIGName is set: the key's name, its
	// base64 secret and algorithm (default hmac-sha256).
	TSIGName, TSIGSecret, TSIGAlgorithm string
	Timeout                             time.Duration
}

// pushable are the records an update manages: everything but the apex SOA
// and NS records, which belong to the primary's own zone file.
func pushable(z *Zone) []dns.RR {
	var out []dns.RR
	for _, rr := range z.Records {
		h := rr.Header()
		if h.Name == z.Origin && (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS) {
			continue
		}
		out = append(out, rr)
	}
	return out
}

// diff is what turns prev into next: the records to delete and to add.
func diff(prev []string, next []dns.RR) (remove, add []dns.RR, err error) {
	old := map[string]bool{}
	for _, s := range prev {
		old[s] = true
	}
	now := map[string]bool{}
	for _, rr := range next {
		s := rr.String()
		now[s] = true
		if !old[s] {
			add = append(add, rr)
		}
	}
	for _, s := range prev {
		if now[s] {
			continue
		}
		rr, err := dns.NewRR(s)
		if err != nil {
			return nil, nil, fmt.Errorf("a record of the last push does not parse: %v", err)
		}
		remove = append(remove, rr)
	}
	return remove, add, nil
}

// newRRsets is one record of each RRset of add that no record of prev
// belongs to. The primary may hold values of ours in such a set that we
// have no record of (an earlier run's, a lost state file): the update
// replaces the set whole. Names we stopped publishing before the record
// was lost are unknown and stay.
func newRRsets(prev []string, add []dns.RR) ([]dns.RR, error) {
	key := func(rr dns.RR) string {
		h := rr.Header()
		return dns.CanonicalName(h.Name) + "/" + dns.TypeToString[h.Rrtype]
	}
	pushed := map[string]bool{}
	for _, s := range prev {
		rr, err := dns.NewRR(s)
		if err != nil {
			return nil, fmt.Errorf("a record of the last push does not parse: %v", err)
		}
		pushed[key(rr)] = true
	}
	var out []dns.RR
	for _, rr := range add {
		if k := key(rr); !pushed[k] {
			pushed[k] = true
			out = append(out, rr)
		}
	}
	return out, nil
}

// sendUpdate sends one RFC 2136 update of origin over TCP, TSIG-signed
// when configured: the RRsets of replace are deleted whole, then the
// records of remove, then add is inserted (the primary applies them in
// that order).
func sendUpdate(cfg *UpdateConfig, origin string, replace, remove, add []dns.RR) error {
	m := new(dns.Msg)
	m.SetUpdate(origin)
	if len(replace) > 0 {
		m.RemoveRRset(replace)
	}
	if len(remove) > 0 {
		m.Remove(remove)
	}
	if len(add) > 0 {
		m.Insert(add)
	}
	c := &dns.Client{Net: "tcp", Timeout: cfg.Timeout}
	if cfg.TSIGName != "" {
		name := dns.Fqdn(cfg.TSIGName)
		alg := cfg.TSIGAlgorithm
		if alg == "" {
			alg = dns.HmacSHA256
		}
		m.SetTsig(name, dns.Fqdn(alg), 300, time.Now().Unix())
		c.TsigSecret = map[string]string{name: cfg.TSIGSecret}
	}
	r, _, err := c.Exchange(m, cfg.Primary)
	if err != nil {
		return err
	}
	if r.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("the primary answered %s", dns.RcodeToString[r.Rcode])
	}
	return nil
}
