package dnsfront

import (
	"context"

	"github.com/miekg/dns"
)

// Validate refuses what no later handler should see: anything but one
// question of a standard query, and names that are not domain names.
type Validate struct {
	Next Handler
}

// ServeDNS implements Handler.
func (v *Validate) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if r.Response {
		return dns.RcodeSuccess, nil // never answer an answer
	}
	if r.Opcode != dns.OpcodeQuery {
		return dns.RcodeNotImplemented, nil
	}
	if len(r.Question) != 1 {
		return dns.RcodeFormatError, nil
	}
	name := r.Question[0].Name
	if len(name) > maxNameLen+1 {
		return dns.RcodeFormatError, nil
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return dns.RcodeFormatError, nil
	}
	return v.Next.ServeDNS(ctx, w, r)
}
