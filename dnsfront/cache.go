package dnsfront

import (
	"context"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Cache keeps the catalog's answers for TTL, per question (name as
// asked, type, class; the name carries the datacenter), so a burst of
// queries for one service costs one catalog read, and each query shares
// the cached record list. Only authoritative answers are kept: the
// recursors' are not. Concurrent misses for one question share one read.
// The cached records and section slices are shared and must never be
// written: Shape builds new slices to reorder them and only reslices
// otherwise.
type Cache struct {
	TTL        time.Duration
	MaxEntries int
	Now        func() time.Time
	Next       Handler

	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry // guarded by mu
}

type cacheKey struct {
	name         string
	qtype, class uint16
}

// cacheEntry is one answer; done is closed once msg (nil when the lookup
// failed or was not cacheable) is set.
type cacheEntry struct {
	done    chan struct{}
	msg     *dns.Msg
	expires time.Time
}

// ServeDNS implements Handler.
func (c *Cache) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if c.TTL <= 0 {
		willBlock(ctx)
		return c.Next.ServeDNS(ctx, w, r)
	}
	q := r.Question[0]
	key := cacheKey{q.Name, q.Qtype, q.Qclass}
	now := c.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		select {
		case <-e.done:
			if e.msg == nil || now.After(e.expires) {
				ok = false
			}
		default: // a read for this question is under way: wait for it
			willBlock(ctx)
		}
	}
	if !ok {
		if c.entries == nil || len(c.entries) >= c.MaxEntries {
			c.entries = make(map[cacheKey]*cacheEntry)
		}
		e = &cacheEntry{done: make(chan struct{})}
		c.entries[key] = e
	}
	c.mu.Unlock()

	if ok {
		select {
		case <-e.done:
		case <-ctx.Done():
			return dns.RcodeServerFailure, ctx.Err()
		}
		if e.msg != nil {
			m := fromCache(e.msg, r)
			return m.Rcode, w.WriteMsg(m)
		}
		willBlock(ctx)
		return c.Next.ServeDNS(ctx, w, r) // the shared read failed: try ours
	}

	willBlock(ctx)
	var got *dns.Msg
	rw := &writeFunc{ResponseWriter: w, write: func(m *dns.Msg) error {
		if m.Authoritative {
			got = m
			return nil
		}
		return w.WriteMsg(m)
	}}
	rcode, err := c.Next.ServeDNS(ctx, rw, r)
	e.msg, e.expires = got, c.Now().Add(c.TTL)
	close(e.done)
	if got == nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
		return rcode, err
	}
	m := fromCache(got, r)
	return m.Rcode, w.WriteMsg(m)
}

// fromCache builds the reply to r from a cached answer: the header and
// question are r's, the sections the shared slices.
func fromCache(cached, r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Rcode = cached.Rcode
	m.Authoritative = cached.Authoritative
	m.RecursionAvailable = cached.RecursionAvailable
	m.Compress = true
	// Capacity-limited, so an append (an OPT record) copies; Shape
	// replaces or reslices the sections and never writes into them.
	m.Answer = cached.Answer[:len(cached.Answer):len(cached.Answer)]
	m.Ns = cached.Ns[:len(cached.Ns):len(cached.Ns)]
	m.Extra = cached.Extra[:len(cached.Extra):len(cached.Extra)]
	return m
}
