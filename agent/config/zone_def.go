package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// ZoneTransferConfig is dns_config.zone_transfer: a zone of the catalog's
// healthy instances that the DNS interface serves to secondaries (AXFR,
// IXFR) and announces to them by NOTIFY (package dnsfront/zone).
type ZoneTransferConfig struct {
	// Zone is the zone's name ("geant.services"); empty turns it off.
	Zone string
	// Allow are the networks (CIDR, or single addresses) that may
	// transfer it; everyone else is refused.
	Allow []string
	// AlsoNotify are the secondaries (IP or IP:port, port 53 by default)
	// sent a NOTIFY on each new serial.
	AlsoNotify []string
	// MinStable is how long an instance must stay in a new state before
	// the zone follows; 0 means the default, 30s.
	MinStable time.Duration
	// TTL is the records' TTL; 0 means the default, 30s.
	TTL time.Duration
	// Datacenter is the one exported (default: the agent's).
	Datacenter string
}

// ZoneUpdateConfig is dns_config.zone_update: the same zone pushed to a
// primary server by RFC 2136 dynamic updates, TSIG-signed when a key is
// set.
type ZoneUpdateConfig struct {
	Primary                          string
	TSIGKeyName, TSIGSecret, TSIGAlg string
}

type zonePartial struct {
	Zone, Datacenter   *string
	Allow, AlsoNotify  []string
	MinStable, TTL     *time.Duration
	Primary, TSIGName  *string
	TSIGSecret, TSIGAl *string
}

func zoneTransferBlock(p *zonePartial) setter {
	return blockField(&block{
		name: `"dns_config.zone_transfer"`,
		fields: map[string]setter{
			"zone":        strField(&p.Zone),
			"allow":       listField(&p.Allow),
			"also_notify": listField(&p.AlsoNotify),
			"min_stable":  durField(&p.MinStable),
			"ttl":         durField(&p.TTL),
			"datacenter":  strField(&p.Datacenter),
		},
	})
}

func zoneUpdateBlock(p *zonePartial) setter {
	return blockField(&block{
		name: `"dns_config.zone_update"`,
		fields: map[string]setter{
			"primary":        strField(&p.Primary),
			"tsig_key_name":  strField(&p.TSIGName),
			"tsig_secret":    strField(&p.TSIGSecret),
			"tsig_algorithm": strField(&p.TSIGAl),
		},
	})
}

func (dst *zonePartial) merge(src *zonePartial) {
	over(&dst.Zone, src.Zone)
	over(&dst.Datacenter, src.Datacenter)
	over(&dst.MinStable, src.MinStable)
	over(&dst.TTL, src.TTL)
	over(&dst.Primary, src.Primary)
	over(&dst.TSIGName, src.TSIGName)
	over(&dst.TSIGSecret, src.TSIGSecret)
	over(&dst.TSIGAl, src.TSIGAl)
	dst.Allow = append(dst.Allow, src.Allow...)
	dst.AlsoNotify = append(dst.AlsoNotify, src.AlsoNotify...)
}

func (p *zonePartial) build(t *ZoneTransferConfig, u *ZoneUpdateConfig) {
	set(&t.Zone, p.Zone)
	set(&t.Datacenter, p.Datacenter)
	set(&t.MinStable, p.MinStable)
	set(&t.TTL, p.TTL)
	t.Allow = append([]string(nil), p.Allow...)
	t.AlsoNotify = append([]string(nil), p.AlsoNotify...)
	set(&u.Primary, p.Primary)
	set(&u.TSIGKeyName, p.TSIGName)
	set(&u.TSIGSecret, p.TSIGSecret)
	set(&u.TSIGAlg, p.TSIGAl)
}

// AllowNets parses Allow; single addresses become /32 or /128.
func (z ZoneTransferConfig) AllowNets() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, a := range z.Allow {
		if !strings.Contains(a, "/") {
			ip := net.ParseIP(a)
			if ip == nil {
				return nil, fmt.Errorf("dns_config.zone_transfer.allow: %q is not an address or CIDR", a)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(a)
		if err != nil {
			return nil, fmt.Errorf("dns_config.zone_transfer.allow: %q is not an address or CIDR", a)
		}
		out = append(out, n)
	}
	return out, nil
}

// NotifyAddrs are AlsoNotify as host:port.
func (z ZoneTransferConfig) NotifyAddrs() ([]string, error) {
	var out []string
	for _, a := range z.AlsoNotify {
		if ip := net.ParseIP(strings.Trim(a, "[]")); ip != nil {
			out = append(out, net.JoinHostPort(ip.String(), "53"))
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("dns_config.zone_transfer.also_notify: %q is not IP or IP:port", a)
		}
		out = append(out, a)
	}
	return out, nil
}

func validateZone(t ZoneTransferConfig, u ZoneUpdateConfig) []error {
	var errs []error
	if t.Zone == "" {
		if len(t.Allow) > 0 || len(t.AlsoNotify) > 0 || u.Primary != "" {
			errs = append(errs, fmt.Errorf("dns_config.zone_transfer.zone is required with allow, also_notify or zone_update"))
		}
		return errs
	}
	if _, err := t.AllowNets(); err != nil {
		errs = append(errs, err)
	}
	if _, err := t.NotifyAddrs(); err != nil {
		errs = append(errs, err)
	}
	if t.MinStable < 0 || t.TTL < 0 {
		errs = append(errs, fmt.Errorf("dns_config.zone_transfer: min_stable and ttl cannot be negative"))
	}
	if u.Primary != "" {
		if _, _, err := net.SplitHostPort(u.Primary); err != nil {
			errs = append(errs, fmt.Errorf("dns_config.zone_update.primary %q is not host:port", u.Primary))
		}
	}
	if (u.TSIGKeyName == "") != (u.TSIGSecret == "") {
		errs = append(errs, fmt.Errorf("dns_config.zone_update: tsig_key_name and tsig_secret go together"))
	}
	return errs
}
