package dnsfront

import (
	"context"
	"math/rand/v2"
	"net"

	"github.com/miekg/dns"
)

// Sizes of a response: the classic UDP limit, what concord advertises in
// EDNS0, and the most a TCP message can hold.
const (
	minUDPSize = 512
	ednsSize   = 4096
	maxTCPSize = dns.MaxMsgSize
)

// Shape fits every response to its transport: our own (authoritative)
// answers rotate per query and, over UDP, keep at most UDPAnswerLimit
// records; every response over UDP fits 512 bytes or the client's EDNS0
// buffer, and over TCP 64 KiB. Whenever answer records are left out, TC
// is set so a resolver can retry over TCP for all of them.
type Shape struct {
	UDPAnswerLimit int
	Next           Handler
}

// ServeDNS implements Handler.
func (h *Shape) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	udp := isUDP(w)
	opt := r.IsEdns0()
	size := maxTCPSize
	if udp {
		size = minUDPSize
		if opt != nil {
			size = max(int(opt.UDPSize()), minUDPSize)
		}
	}
	rw := &writeFunc{ResponseWriter: w, write: func(m *dns.Msg) error {
		if opt != nil && m.IsEdns0() == nil {
			m.SetEdns0(ednsSize, opt.Do())
		}
		limit := 0
		if m.Authoritative {
			if udp {
				limit = h.UDPAnswerLimit
			}
			m.Answer = rotate(m.Answer, limit)
		}
		fit(m, size, limit)
		return w.WriteMsg(m)
	}}
	return h.Next.ServeDNS(ctx, rw, r)
}

func isUDP(w dns.ResponseWriter) bool {
	_, ok := w.RemoteAddr().(*net.UDPAddr)
	return ok
}

// rotate returns the answer records in a random order when they are all
// of one type, so successive queries spread the load over the instances;
// with a limit well below their number, a random sample of limit+1 of
// them, whatever their types (one more than fit keeps, so fit sees the
// answer was cut). It never changes
// rrs, which may be shared with the cache, and costs O(limit) when a
// limit applies, so a large service costs no more than a small one.
func rotate(rrs []dns.RR, limit int) []dns.RR {
	n := len(rrs)
	if n < 2 {
		return rrs
	}
	if limit > 0 && limit+1 < n/2 {
		out := make([]dns.RR, 0, limit+1)
		picked := make([]int, 0, limit+1)
	pick:
		for len(out) < limit+1 {
			i := rand.IntN(n)
			for _, p := range picked {
				if p == i {
					continue pick
				}
			}
			picked = append(picked, i)
			out = append(out, rrs[i])
		}
		return out
	}
	t := rrs[0].Header().Rrtype
	for _, rr := range rrs[1:] {
		if rr.Header().Rrtype != t {
			return rrs // a CNAME chain, or ANY: keep the order
		}
	}
	out := append([]dns.RR(nil), rrs...)
	rand.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// fit trims m to at most limit answers (0: no limit) and size bytes,
// keeping only the additional records the kept answers refer to (and the
// OPT record), and sets TC when answers were left out.
func fit(m *dns.Msg, size, limit int) {
	m.Compress = true
	all, extra := m.Answer, m.Extra
	n := len(all)
	if limit > 0 && n > limit {
		n = limit
	}
	try := func(k int) bool {
		m.Answer = all[:k]
		m.Extra = pruneExtra(m.Answer, extra, k < len(all))
		return m.Len() <= size
	}
	if !try(n) {
		lo, hi := 0, n-1 // the largest k in [lo, hi] that fits
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if try(mid) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		n = lo
		if !try(n) {
			// Not even the authority and additional sections fit.
			m.Ns = nil
			m.Extra = pruneExtra(nil, extra, true)
		}
	}
	if n < len(all) {
		m.Truncated = true
	}
}

// pruneExtra returns the additional records that answers refer to, and
// the OPT record; when nothing was removed from answers it returns extra.
func pruneExtra(answers, extra []dns.RR, trimmed bool) []dns.RR {
	if !trimmed || len(extra) == 0 {
		return extra
	}
	names := make(map[string]bool, len(answers))
	for _, rr := range answers {
		switch x := rr.(type) {
		case *dns.SRV:
			names[x.Target] = true
		case *dns.NS:
			names[x.Ns] = true
		case *dns.CNAME:
			names[x.Target] = true
		}
	}
	out := make([]dns.RR, 0, len(extra))
	for _, rr := range extra {
		if rr.Header().Rrtype == dns.TypeOPT || names[rr.Header().Name] {
			out = append(out, rr)
		}
	}
	return out
}
