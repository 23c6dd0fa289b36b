package lan

import (
	"math/rand/v2"
	"net"
	"strconv"
	"time"
)

// DefaultReconnectInterval is how often a pool tries to reach one failed
// member again (serf's reconnect_interval).
const DefaultReconnectInterval = 30 * time.Second

// reconnect tries to join one failed member again, as serf's reconnector
// does: memberlist stops gossiping to a dead node after
// GossipToTheDeadTime, so without this two sides of a healed partition
// would stay apart until someone joins them by hand: the join makes the
// far side hear that it is thought dead, refute it, and the refutation
// brings both sides back. A member is picked
// at random, with probability failed/alive so a pool with a few failures
// does not spend its time dialling them. It runs at most one join at a
// time, outside mu (lock order: never call memberlist holding mu).
func (p *Pool) reconnect() {
	if !p.reconnecting.CompareAndSwap(false, true) {
		return
	}
	target := p.reconnectTarget()
	if target == "" {
		p.reconnecting.Store(false)
		return
	}
	go func() {
		defer p.reconnecting.Store(false)
		if p.isShutdown() {
			return
		}
		if _, err := p.ml.Join([]string{target}); err != nil {
			p.logger.Debug("reconnect to a failed member failed", "address", target, "error", err)
		}
	}()
}

// reconnectTarget picks the failed member to try, or "" for none this
// round.
func (p *Pool) reconnectTarget() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var failed []Member
	alive := 0
	for name, m := range p.members {
		switch {
		case name == p.config.NodeName:
		case m.Status == StatusFailed:
			failed = append(failed, m.Member)
		case m.Status == StatusAlive:
			alive++
		}
	}
	if len(failed) == 0 || p.leaving {
		return ""
	}
	if rand.Float64() > float64(len(failed))/float64(max(alive, 1)) {
		return ""
	}
	m := failed[rand.IntN(len(failed))]
	return net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
}
