package agent

import (
	"fmt"
	"time"
)

// joinPool is one gossip pool's joins as configured: the LAN pool's or
// a server's WAN pool's.
type joinPool struct {
	name          string // "" for the LAN, "WAN " for the WAN, in logs
	join          func(addrs []string) (int, error)
	start, retry  []string
	retryInterval time.Duration
	retryMax      int
	port          int
}

func (a *Agent) lanJoins() joinPool {
	return joinPool{join: a.lan.Join, start: a.cfg.StartJoin, retry: a.cfg.RetryJoin,
		retryInterval: a.cfg.RetryInterval, retryMax: a.cfg.RetryMaxAttempts, port: a.cfg.Ports.SerfLAN}
}

// joinStart joins the -join addresses once; failing to reach any of them
// stops start-up, as Consul's start_join does.
func (a *Agent) joinStart(p joinPool) error {
	if len(p.start) == 0 {
		return nil
	}
	a.logger.Info("joining the "+p.name+"pool", "addresses", p.start)
	n, err := p.join(p.start)
	if n == 0 {
		return fmt.Errorf("could not join any of %v in the %spool: %v; check the addresses and that port %d is reachable", p.start, p.name, err, p.port)
	}
	a.logger.Info(p.name+"join completed", "contacted", n)
	return nil
}

// retryJoin keeps trying the -retry-join addresses until one answers,
// logging each attempt so an operator sees why an agent is alone.
func (a *Agent) retryJoin(p joinPool) {
	defer a.wg.Done()
	if len(p.retry) == 0 {
		return
	}
	for attempt := 1; ; attempt++ {
		n, err := p.join(p.retry)
		if n > 0 {
			a.logger.Info(p.name+"retry join completed", "contacted", n, "attempt", attempt)
			return
		}
		if p.retryMax > 0 && attempt >= p.retryMax {
			a.logger.Error(p.name+"retry join gave up; the agent stays alone until joined with `concord join`", "attempts", attempt, "error", err)
			return
		}
		a.logger.Warn(p.name+"join failed, will retry", "addresses", p.retry, "retry_interval", p.retryInterval.String(), "error", err)
		select {
		case <-time.After(p.retryInterval):
		case <-a.shutdownCh:
			return
		}
	}
}
