package lan

import (
	"time"
)

// Reap interval bounds: a fifth of the shorter timeout, clamped.
const (
	minReapInterval = 10 * time.Millisecond
	maxReapInterval = 15 * time.Second
)

func reapInterval(reconnect, tombstone time.Duration) time.Duration {
	d := min(reconnect, tombstone) / 5
	return max(minReapInterval, min(d, maxReapInterval))
}

// reaper removes failed and left members whose timeouts have passed, and
// every reconnect interval tries to reach one failed member, until
// Shutdown.
func (p *Pool) reaper(interval, reconnect time.Duration) {
	defer close(p.reaperDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	r := time.NewTicker(reconnect)
	defer r.Stop()
	for {
		select {
		case <-p.shutdownCh:
			return
		case now := <-t.C:
			p.reap(now)
		case <-r.C:
			p.reconnect()
		}
	}
}

// reap removes members failed longer than ReconnectTimeout and left longer
// than TombstoneTimeout (never this node), emitting EventMemberReap, and
// forgets old join intents about unknown members.
func (p *Pool) reap(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, m := range p.members {
		if name == p.config.NodeName {
			continue
		}
		age := now.Sub(m.changed)
		switch {
		case m.Status == StatusFailed && age >= p.config.ReconnectTimeout,
			m.Status == StatusLeft && age >= p.config.TombstoneTimeout:
			p.logger.Info("lan: reaping member", "member", name, "status", m.Status.String())
			p.removeLocked(m)
		}
	}
	for name, ri := range p.recentJoins {
		if now.Sub(ri.at) >= recentIntentTimeout {
			delete(p.recentJoins, name)
		}
	}
}
