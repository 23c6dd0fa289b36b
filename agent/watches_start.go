package agent

import (
	"net"
	"strconv"

	"github.com/concord-dev/concord/agent/watches"
)

// startWatches runs the configured watches against the agent's own HTTP
// API: the first HTTP listener, else the first HTTPS one (its certificate
// is the agent's own, so it is not verified on this loopback hop).
func (a *Agent) startWatches() error {
	wcfg := watches.Config{Token: a.cfg.ACL.Tokens.Default, Logger: a.logger.Named("watch")}
	switch {
	case len(a.httpAddrs) > 0:
		wcfg.Address = dialable(a.httpAddrs[0])
	case len(a.httpsAddrs) > 0:
		wcfg.Address, wcfg.Scheme, wcfg.TLSSkipVerify = dialable(a.httpsAddrs[0]), "https", true
	default:
		if len(a.cfg.Watches) > 0 {
			a.logger.Warn("watches are configured but the agent serves no HTTP API for them; they do not run")
		}
		return nil
	}
	a.watches = watches.New(wcfg)
	return a.watches.Replace(a.cfg.Watches)
}

// dialable is a listener's address as a client reaches it: a wildcard
// bind is reached on loopback.
func dialable(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		if ip.To4() == nil && ip != nil {
			ip = net.IPv6loopback
		} else {
			ip = net.IPv4(127, 0, 0, 1)
		}
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}
