package dnsfront

import (
	"encoding/hex"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// kind is what a name in the domain asks for.
type kind int

const (
	kindUnknown kind = iota // in the domain, but no form we answer: NXDOMAIN
	kindApex                // the domain itself: SOA, NS
	kindService             // [TAG.]NAME.service, _NAME._TAG.service
	kindNode                // NODE.node
	kindQuery               // NAME.query (prepared queries)
	kindAddr                // HEX.addr: the address spelled in hex (SRV targets)
	kindPTR                 // a reverse name under in-addr.arpa or ip6.arpa
)

// question is a parsed query name.
type question struct {
	kind   kind
	name   string // service, node or prepared query name; lowercased
	tag    string // service tag filter; "" for none
	dc     string // datacenter named in the query; "" for the agent's own
	domain string // the domain the name was under (Domain or AltDomain)
	ip     net.IP // kindAddr and kindPTR
}

// maxNameLen is the longest name on the wire, in presentation form.
const maxNameLen = 255

// parseName reads qname (any case, fully qualified or not). inZone says
// whether the name is under one of the domains; a reverse name is not, but
// comes back as kindPTR when it spells an address.
func parseName(qname, domain, alt string) (q question, inZone bool) {
	if len(qname) > maxNameLen+1 || qname == "" {
		return question{}, false
	}
	name := dns.CanonicalName(qname)
	if ip := reverseIP(name); ip != nil {
		return question{kind: kindPTR, ip: ip}, false
	}
	var rest string
	switch {
	case domain != "" && name == domain:
		return question{kind: kindApex, domain: domain}, true
	case alt != "" && name == alt:
		return question{kind: kindApex, domain: alt}, true
	case domain != "" && strings.HasSuffix(name, "."+domain):
		rest, q.domain = name[:len(name)-len(domain)-1], domain
	case alt != "" && strings.HasSuffix(name, "."+alt):
		rest, q.domain = name[:len(name)-len(alt)-1], alt
	default:
		return question{}, false
	}
	labels := strings.Split(rest, ".")
	n := len(labels)
	at := -1
	switch {
	case kindOf(labels[n-1]) != kindUnknown:
		at = n - 1
	case n >= 2 && kindOf(labels[n-2]) != kindUnknown:
		at, q.dc = n-2, labels[n-1]
	default:
		return question{domain: q.domain}, true
	}
	before := labels[:at]
	for _, l := range before {
		if l == "" {
			return question{domain: q.domain}, true
		}
	}
	if q.dc == "" && at != n-1 {
		return question{domain: q.domain}, true
	}
	q.kind = kindOf(labels[at])
	switch q.kind {
	case kindService:
		switch len(before) {
		case 1:
			q.name = before[0]
		case 2:
			if strings.HasPrefix(before[0], "_") && strings.HasPrefix(before[1], "_") {
				// RFC 2782: _NAME._TAG; _tcp and _udp are the protocol, not a tag.
				q.name, q.tag = before[0][1:], before[1][1:]
				if q.tag == "tcp" || q.tag == "udp" {
					q.tag = ""
				}
			} else {
				q.tag, q.name = before[0], before[1]
			}
		default:
			q.kind = kindUnknown
		}
		if q.name == "" {
			q.kind = kindUnknown
		}
	case kindNode:
		if len(before) != 1 {
			q.kind = kindUnknown
			break
		}
		q.name = before[0]
	case kindQuery:
		if len(before) == 0 {
			q.kind = kindUnknown
			break
		}
		q.name = strings.Join(before, ".")
	case kindAddr:
		if len(before) != 1 {
			q.kind = kindUnknown
			break
		}
		q.ip = hexIP(before[0])
		if q.ip == nil {
			q.kind = kindUnknown
		}
	}
	if q.kind == kindUnknown {
		return question{domain: q.domain}, true
	}
	return q, true
}

func kindOf(label string) kind {
	switch label {
	case "service":
		return kindService
	case "node":
		return kindNode
	case "query":
		return kindQuery
	case "addr":
		return kindAddr
	}
	return kindUnknown
}

// hexIP reads the 8 or 32 hex digits of an .addr. name.
func hexIP(s string) net.IP {
	if len(s) != 8 && len(s) != 32 {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return net.IP(b)
}

// addrLabel spells ip as the label of an .addr. name.
func addrLabel(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return hex.EncodeToString(v4)
	}
	return hex.EncodeToString(ip.To16())
}

// reverseIP reads a lowercased reverse name; nil when it is not one.
func reverseIP(name string) net.IP {
	switch {
	case strings.HasSuffix(name, ".in-addr.arpa."):
		parts := strings.Split(strings.TrimSuffix(name, ".in-addr.arpa."), ".")
		if len(parts) != 4 {
			return nil
		}
		for i, j := 0, 3; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		ip := net.ParseIP(strings.Join(parts, "."))
		if ip == nil || ip.To4() == nil {
			return nil
		}
		return ip
	case strings.HasSuffix(name, ".ip6.arpa."):
		nibbles := strings.Split(strings.TrimSuffix(name, ".ip6.arpa."), ".")
		if len(nibbles) != 32 {
			return nil
		}
		var b strings.Builder
		for i := len(nibbles) - 1; i >= 0; i-- {
			if len(nibbles[i]) != 1 {
				return nil
			}
			b.WriteString(nibbles[i])
		}
		return hexIP(b.String())
	}
	return nil
}
