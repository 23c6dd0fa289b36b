package dnsfront

import (
	"context"
	"time"

	"github.com/miekg/dns"
)

// Recursor forwards a query to the recursors in order, each for at most
// Timeout, and relays the first answer; a truncated UDP answer is asked
// again over TCP. With no recursors the query is REFUSED; when none
// answers, SERVFAIL. It is the end of the chain.
type Recursor struct {
	Addrs   []string
	Timeout time.Duration
}

// ServeDNS implements Handler.
func (h *Recursor) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if len(h.Addrs) == 0 {
		return dns.RcodeRefused, nil
	}
	willBlock(ctx)
	var lastErr error
	for _, addr := range h.Addrs {
		resp, err := h.exchange(ctx, r, addr)
		if err != nil {
			lastErr = err
			continue
		}
		resp.Id = r.Id
		resp.RecursionAvailable = true
		resp.Authoritative = false
		resp.Compress = true
		return resp.Rcode, w.WriteMsg(resp)
	}
	return dns.RcodeServerFailure, lastErr
}

func (h *Recursor) exchange(ctx context.Context, r *dns.Msg, addr string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	c := &dns.Client{Net: "udp", Timeout: h.Timeout}
	resp, _, err := c.ExchangeContext(ctx, r, addr)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.ExchangeContext(ctx, r, addr)
	}
	return resp, err
}
