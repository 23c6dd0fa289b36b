package bench

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

func dnsFlags(fs *flag.FlagSet, o *Options) {
	o.Instances = 200
	o.Service = "bench-dns"
	fs.IntVar(&o.Instances, "instances", o.Instances, "instances of -service registered first (untimed), one node each; 0 registers nothing")
	fs.IntVar(&o.Others, "others", o.Others, "instances of 100 other services registered too: the catalog's size")
	fs.StringVar(&o.Service, "service", o.Service, "the service registered")
	fs.StringVar(&o.Name, "name", o.Name, "the name queried (default SERVICE.service.consul)")
	fs.StringVar(&o.QType, "qtype", o.QType, "the query type")
	fs.IntVar(&o.EDNS, "edns", o.EDNS, "EDNS0 buffer size sent with each query (0: no EDNS0)")
	fs.IntVar(&o.Pipeline, "pipeline", o.Pipeline, "queries each client sends before reading their answers, pre-packed, answers checked by header only\n"+
		"(0: one query at a time through a miekg/dns client); a leaner load generator, with fewer -clients")
}

// RunDNS registers o.Instances instances of o.Service (and o.Others
// others) through the HTTP API, untimed, then sends o.QType queries for
// o.Name over UDP to o.DNSAddr from o.Clients clients, each on its own
// socket, one query at a time (o.Pipeline > 0: that many at once, see
// pipeline). NOERROR with at least one answer is success.
func RunDNS(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	qtype, ok := dns.StringToType[strings.ToUpper(o.QType)]
	if !ok {
		return nil, fmt.Errorf("-qtype %q is not a DNS type", o.QType)
	}
	if o.Name == "" {
		o.Name = o.Service + ".service.consul"
	}
	eps, err := o.endpoints(o.Clients)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if o.Instances+o.Others > 0 {
		regs := func(i int) *healthRegistration {
			if i < o.Instances {
				return healthReg("bench-dns", o.Service, i, "passing")
			}
			j := i - o.Instances
			return healthReg("bench-other", fmt.Sprintf("bench-other-%d", j%100), j, "passing")
		}
		if err := registerAll(ctx, &o, eps, o.Instances+o.Others, regs); err != nil {
			return nil, err
		}
	}
	setup := time.Since(start)

	conns := make([]*dns.Conn, o.Clients)
	client := &dns.Client{Net: "udp", Timeout: o.Timeout, UDPSize: dns.MaxMsgSize}
	for i := range conns {
		c, err := client.Dial(o.DNSAddr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", o.DNSAddr, err)
		}
		defer c.Close()
		conns[i] = c
	}
	msg := func() *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(o.Name), qtype)
		if o.EDNS > 0 {
			m.SetEdns0(uint16(o.EDNS), false)
		}
		return m
	}
	if _, _, err := client.ExchangeWithConnContext(ctx, msg(), conns[0]); err != nil {
		return nil, fmt.Errorf("first query: %w", err)
	}

	r := newReport("dns")
	o.limits(r)
	r.param("name", o.Name)
	r.param("qtype", dns.TypeToString[qtype])
	r.param("instances", o.Instances)
	r.param("others", o.Others)
	if o.Instances+o.Others > 0 {
		r.note("registered %d instances in %.1fs (untimed)", o.Instances+o.Others, setup.Seconds())
	}
	l := &loop{name: "dns", opts: &o, phases: []string{"query"}}
	if o.Pipeline > 0 {
		r.param("pipeline", o.Pipeline)
		query, err := msg().Pack()
		if err != nil {
			return nil, err
		}
		p := make([]*pipeline, len(conns))
		for i, c := range conns {
			p[i] = newPipeline(c.Conn, query, o.Pipeline)
		}
		res := l.run(ctx, eps, func(ctx context.Context, w *worker, _ int64) {
			p[w.id].cycle(ctx, w, o.Timeout)
		})
		res.fill(r)
		return r, nil
	}
	res := l.run(ctx, eps, func(ctx context.Context, w *worker, _ int64) {
		w.timed(ctx, 0, func(ctx context.Context) error {
			resp, _, err := client.ExchangeWithConnContext(ctx, msg(), conns[w.id])
			if err != nil {
				return err
			}
			if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) == 0 {
				return fmt.Errorf("%s with %d answers", dns.RcodeToString[resp.Rcode], len(resp.Answer))
			}
			return nil
		})
	})
	res.fill(r)
	return r, nil
}

// pipeline is one client of the lean mode: its socket, the query packed
// once, and per query id the time it was sent.
type pipeline struct {
	conn  net.Conn
	query []byte
	depth int
	next  uint16
	sent  map[uint16]time.Time
	buf   []byte
}

func newPipeline(conn net.Conn, query []byte, depth int) *pipeline {
	return &pipeline{conn: conn, query: append([]byte(nil), query...), depth: depth,
		sent: make(map[uint16]time.Time, depth), buf: make([]byte, dns.MaxMsgSize)}
}

// cycle sends depth queries, each with its own id, then reads answers
// until each has one or timeout passes; an answer counts as a success
// when its rcode is NOERROR and it has an answer record.
func (p *pipeline) cycle(ctx context.Context, w *worker, timeout time.Duration) {
	clear(p.sent)
	for range p.depth {
		p.next++
		binary.BigEndian.PutUint16(p.query, p.next)
		p.sent[p.next] = time.Now()
		if _, err := p.conn.Write(p.query); err != nil {
			if ctx.Err() == nil {
				w.record(0, 0, err)
			}
			delete(p.sent, p.next)
		}
	}
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	for len(p.sent) > 0 {
		n, err := p.conn.Read(p.buf)
		if err != nil {
			if ctx.Err() == nil {
				for range p.sent {
					w.record(0, timeout, fmt.Errorf("no answer: %w", err))
				}
			}
			return
		}
		if n < 12 {
			continue
		}
		id := binary.BigEndian.Uint16(p.buf)
		start, ok := p.sent[id]
		if !ok {
			continue // a late answer from an earlier cycle
		}
		delete(p.sent, id)
		lat := time.Since(start)
		rcode := int(binary.BigEndian.Uint16(p.buf[2:]) & 0xF)
		ancount := binary.BigEndian.Uint16(p.buf[6:])
		err = nil
		if rcode != dns.RcodeSuccess || ancount == 0 {
			err = fmt.Errorf("%s with %d answers", dns.RcodeToString[rcode], ancount)
		}
		w.record(0, lat, err)
	}
}
