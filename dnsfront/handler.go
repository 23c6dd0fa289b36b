package dnsfront

import (
	"context"

	"github.com/miekg/dns"
)

// Handler is one step of the chain. It either writes a response to w and
// returns its rcode, or returns an error-class rcode (FORMERR, SERVFAIL,
// NOTIMP, REFUSED) without writing, and the server writes that rcode for
// it. A handler that does not answer a query passes it to its Next.
type Handler interface {
	ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error)

// ServeDNS calls f.
func (f HandlerFunc) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	return f(ctx, w, r)
}

// clientWrite reports whether rcode means the handler left the response
// to the server.
func clientWrite(rcode int) bool {
	switch rcode {
	case dns.RcodeFormatError, dns.RcodeServerFailure, dns.RcodeNotImplemented, dns.RcodeRefused:
		return true
	}
	return false
}

// writeError answers r with rcode and nothing else.
func writeError(w dns.ResponseWriter, r *dns.Msg, rcode int) error {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.Question = nil
	if len(r.Question) == 1 {
		m.Question = r.Question
	}
	return w.WriteMsg(m)
}

// serveMux turns the chain into a miekg/dns handler.
type serveMux struct{ chain Handler }

func (s serveMux) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	s.serve(context.Background(), w, r)
}

func (s serveMux) serve(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) {
	rcode, _ := s.chain.ServeDNS(ctx, w, r)
	if clientWrite(rcode) {
		writeError(w, r, rcode)
	}
}

// writeFunc is a ResponseWriter that hands each message to a function
// and delegates everything else to the writer it wraps.
type writeFunc struct {
	dns.ResponseWriter
	write func(*dns.Msg) error
}

func (w *writeFunc) WriteMsg(m *dns.Msg) error { return w.write(m) }
