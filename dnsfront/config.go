package dnsfront

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Config is what the DNS front end needs from the agent's configuration.
type Config struct {
	// Domain is the catalog's domain, fully qualified ("consul.");
	// AltDomain an optional second one answered the same way.
	Domain    string
	AltDomain string
	// Datacenter is the agent's own, used when a name gives none.
	Datacenter string

	// NodeTTL is the TTL of node records; ServiceTTL maps a service name
	// to its records' TTL: exact names first, then the longest "prefix*",
	// then "*". Both default to 0.
	NodeTTL    time.Duration
	ServiceTTL map[string]time.Duration
	// UDPAnswerLimit caps the answer records of a UDP response (Consul's
	// default is 3); 0 means no cap beyond the size.
	UDPAnswerLimit int
	// OnlyPassing drops instances with a warning check too; critical
	// ones are always dropped.
	OnlyPassing bool

	// Recursors are tried in order for names outside the domains, each
	// for at most RecursorTimeout. None: such names are REFUSED.
	Recursors       []string
	RecursorTimeout time.Duration

	SOA SOA

	// CacheTTL is how long an answer from the catalog is reused for the
	// same question; 0 turns the cache off.
	CacheTTL time.Duration
	// CacheEntries bounds the cache; when full it is emptied.
	CacheEntries int

	// Export, when set, holds the zone served to secondaries (AXFR/IXFR)
	// and answered from itself (see Transfer and ZoneAnswer); what it
	// holds may change while the server runs.
	Export *ExportSlot

	// Now is the clock (tests replace it).
	Now func() time.Time
}

// SOA holds the timers of the domain's SOA record, in seconds.
type SOA struct {
	Refresh, Retry, Expire, MinTTL uint32
}

// DefaultConfig returns Consul's defaults for the domain "consul." in "dc1".
func DefaultConfig() Config {
	return Config{
		Domain:          "consul.",
		Datacenter:      "dc1",
		UDPAnswerLimit:  3,
		RecursorTimeout: 2 * time.Second,
		SOA:             SOA{Refresh: 3600, Retry: 600, Expire: 86400, MinTTL: 0},
		CacheTTL:        time.Second,
		CacheEntries:    10000,
	}
}

// validate normalizes names and fills defaults.
func (c *Config) validate() error {
	c.Domain = dns.CanonicalName(c.Domain)
	if c.Domain == "." || !dns.IsFqdn(c.Domain) {
		return fmt.Errorf("dns: domain %q is not a domain", c.Domain)
	}
	if c.AltDomain != "" {
		c.AltDomain = dns.CanonicalName(c.AltDomain)
		if c.AltDomain == c.Domain {
			c.AltDomain = ""
		}
	}
	if c.Datacenter == "" {
		return fmt.Errorf("dns: no datacenter")
	}
	c.Datacenter = strings.ToLower(c.Datacenter)
	c.Recursors = append([]string(nil), c.Recursors...)
	for i, r := range c.Recursors {
		if net.ParseIP(r) != nil {
			c.Recursors[i] = net.JoinHostPort(r, "53")
		} else if _, _, err := net.SplitHostPort(r); err != nil {
			return fmt.Errorf("dns: recursor %q is not an IP address or IP:port", r)
		}
	}
	if len(c.ServiceTTL) > 0 {
		ttls := make(map[string]time.Duration, len(c.ServiceTTL))
		for k, d := range c.ServiceTTL {
			ttls[strings.ToLower(k)] = d
		}
		c.ServiceTTL = ttls
	}
	if c.RecursorTimeout <= 0 {
		c.RecursorTimeout = 2 * time.Second
	}
	if c.CacheEntries <= 0 {
		c.CacheEntries = 10000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// serviceTTL is the TTL for a service's records.
func (c *Config) serviceTTL(name string) uint32 {
	if len(c.ServiceTTL) == 0 {
		return 0
	}
	if d, ok := c.ServiceTTL[name]; ok {
		return seconds(d)
	}
	best, bestLen := time.Duration(0), -1
	for k, d := range c.ServiceTTL {
		if p, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(name, p) && len(p) > bestLen {
			best, bestLen = d, len(p)
		}
	}
	if bestLen >= 0 {
		return seconds(best)
	}
	return 0
}

func seconds(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(d / time.Second)
}
