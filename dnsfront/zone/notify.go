package zone

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"
)

// notify sends a NOTIFY for z to addr over UDP (RFC 1996), asking again
// up to 5 times, 2 s apart, until the server acknowledges.
func notify(ctx context.Context, logger hclog.Logger, z *Zone, addr string) {
	m := new(dns.Msg)
	m.SetNotify(z.Origin)
	m.Answer = []dns.RR{z.SOA()}
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	for attempt := 0; attempt < 5 && ctx.Err() == nil; attempt++ {
		r, _, err := c.ExchangeContext(ctx, m, addr)
		if err == nil && r.Rcode == dns.RcodeSuccess {
			logger.Debug("NOTIFY acknowledged", "server", addr, "serial", z.Serial)
			return
		}
		if err == nil {
			logger.Warn("NOTIFY refused", "server", addr, "rcode", dns.RcodeToString[r.Rcode])
			return
		}
		logger.Debug("NOTIFY unanswered", "server", addr, "error", err)
	}
	logger.Warn("NOTIFY not acknowledged", "server", addr, "serial", z.Serial)
}
