package dnsfront

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// latencyBounds are the upper bounds of the latency histogram's buckets;
// a last, unbounded bucket catches the rest.
var latencyBounds = []time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond,
}

// Counters count queries by type, responses by rcode and the time each
// query took. Every field is updated atomically; Snapshot reads them.
type Counters struct {
	byType    [256]atomic.Uint64 // index: qtype; other types count in otherType
	otherType atomic.Uint64
	byRcode   [24]atomic.Uint64 // index: rcode; dropped queries in dropped
	dropped   atomic.Uint64
	buckets   [16]atomic.Uint64 // len(latencyBounds)+1
	count     atomic.Uint64
	sumNanos  atomic.Uint64
}

// Snapshot is a copy of the counters, for an exporter.
type Snapshot struct {
	// Queries counts queries by type name ("A", "SRV", "other", "none"
	// for a query without a question).
	Queries map[string]uint64
	// Responses counts responses by rcode name ("NOERROR", "NXDOMAIN"...),
	// and queries answered with silence as "dropped".
	Responses map[string]uint64
	// Latency is the histogram: Buckets[i] counts queries that took at
	// most Bounds[i] (not cumulative); the last bucket has no bound.
	Bounds  []time.Duration
	Buckets []uint64
	Count   uint64
	Sum     time.Duration
}

// Snapshot returns the current values.
func (c *Counters) Snapshot() Snapshot {
	s := Snapshot{Queries: map[string]uint64{}, Responses: map[string]uint64{},
		Bounds: append([]time.Duration(nil), latencyBounds...)}
	for t := range c.byType {
		if n := c.byType[t].Load(); n > 0 {
			name, ok := dns.TypeToString[uint16(t)]
			if t == 0 {
				name, ok = "none", true
			}
			if !ok {
				name = "other"
			}
			s.Queries[name] += n
		}
	}
	if n := c.otherType.Load(); n > 0 {
		s.Queries["other"] += n
	}
	for rc := range c.byRcode {
		if n := c.byRcode[rc].Load(); n > 0 {
			name, ok := dns.RcodeToString[rc]
			if !ok {
				name = "other"
			}
			s.Responses[name] += n
		}
	}
	if n := c.dropped.Load(); n > 0 {
		s.Responses["dropped"] = n
	}
	for i := 0; i <= len(latencyBounds); i++ {
		s.Buckets = append(s.Buckets, c.buckets[i].Load())
	}
	s.Count = c.count.Load()
	s.Sum = time.Duration(c.sumNanos.Load())
	return s
}

func (c *Counters) observe(qtype uint16, rcode int, wrote bool, took time.Duration) {
	if int(qtype) < len(c.byType) {
		c.byType[qtype].Add(1)
	} else {
		c.otherType.Add(1)
	}
	switch {
	case !wrote:
		c.dropped.Add(1)
	case rcode >= 0 && rcode < len(c.byRcode):
		c.byRcode[rcode].Add(1)
	default:
		c.byRcode[dns.RcodeServerFailure].Add(1)
	}
	i := 0
	for i < len(latencyBounds) && took > latencyBounds[i] {
		i++
	}
	c.buckets[i].Add(1)
	c.count.Add(1)
	c.sumNanos.Add(uint64(took))
}

// Metrics records every query in Counters: its type, the rcode it was
// answered with (whoever wrote it) and how long the chain took.
type Metrics struct {
	Counters *Counters
	Now      func() time.Time
	Next     Handler
}

// ServeDNS implements Handler.
func (h *Metrics) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	start := h.Now()
	var qtype uint16
	if len(r.Question) > 0 {
		qtype = r.Question[0].Qtype
	}
	wrote, written := false, 0
	rw := &writeFunc{ResponseWriter: w, write: func(m *dns.Msg) error {
		wrote, written = true, m.Rcode
		return w.WriteMsg(m)
	}}
	rcode, err := h.Next.ServeDNS(ctx, rw, r)
	if !wrote && clientWrite(rcode) {
		wrote, written = true, rcode // the server writes it
	}
	h.Counters.observe(qtype, written, wrote, h.Now().Sub(start))
	return rcode, err
}
