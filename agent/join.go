package agent

import (
	"fmt"
	"time"
)

// joinStart joins the -join addresses once; failing to reach any of them
// stops start-up, as Consul's start_join does.
func (a *Agent) joinStart() error {
	if len(a.cfg.StartJoin) == 0 {
		return nil
	}
	a.logger.Info("joining cluster", "addresses", a.cfg.StartJoin)
	n, err := a.lan.Join(a.cfg.StartJoin)
	if n == 0 {
		return fmt.Errorf("could not join any of %v: %v; check the addresses and that port %d is reachable", a.cfg.StartJoin, err, a.cfg.Ports.SerfLAN)
	}
	a.logger.Info("join completed", "contacted", n)
	return nil
}

// retryJoin keeps trying the -retry-join addresses until one answers,
// logging each attempt so an operator sees why an agent is alone.
func (a *Agent) retryJoin() {
	defer a.wg.Done()
	if len(a.cfg.RetryJoin) == 0 {
		return
	}
	for attempt := 1; ; attempt++ {
		n, err := a.lan.Join(a.cfg.RetryJoin)
		if n > 0 {
			a.logger.Info("retry join completed", "contacted", n, "attempt", attempt)
			return
		}
		if a.cfg.RetryMaxAttempts > 0 && attempt >= a.cfg.RetryMaxAttempts {
			a.logger.Error("retry join gave up; the agent stays alone until joined with `concord join`", "attempts", attempt, "error", err)
			return
		}
		a.logger.Warn("join failed, will retry", "addresses", a.cfg.RetryJoin, "retry_interval", a.cfg.RetryInterval.String(), "error", err)
		select {
		case <-time.After(a.cfg.RetryInterval):
		case <-a.shutdownCh:
			return
		}
	}
}
