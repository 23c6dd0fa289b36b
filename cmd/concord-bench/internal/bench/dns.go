package bench

import (
	"context"
	"flag"
	"fmt"
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
}

// RunDNS registers o.Instances instances of o.Service (and o.Others
// others) through the HTTP API, untimed, then sends o.QType queries for
// o.Name over UDP to o.DNSAddr from o.Clients clients, each on its own
// socket, one query at a time. NOERROR with at least one answer is
// success.
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
