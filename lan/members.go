package lan

import (
	"fmt"
	"net"
	"sort"
	"strconv"
)

// copyMember returns m with its own copies of Addr and Tags, so callers
// cannot alter the member table.
func copyMember(m Member) Member {
	m.Addr = append(net.IP(nil), m.Addr...)
	m.Tags = copyTags(m.Tags)
	return m
}

// Members returns every member this agent knows, sorted by name: alive,
// leaving, failed and left ones (the last two until reaped), including
// this agent.
func (p *Pool) Members() []Member {
	p.mu.Lock()
	out := make([]Member, 0, len(p.members))
	for _, m := range p.members {
		out = append(out, copyMember(m.Member))
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// maxReaped bounds the memory of reaped members.
const maxReaped = 256

// rememberReapedLocked keeps m in the list Reaped returns, dropping the
// oldest entry beyond maxReaped. mu held.
func (p *Pool) rememberReapedLocked(m Member) {
	for i, r := range p.reaped {
		if r.Name == m.Name {
			p.reaped = append(p.reaped[:i], p.reaped[i+1:]...)
			break
		}
	}
	if len(p.reaped) >= maxReaped {
		p.reaped = append(p.reaped[:0], p.reaped[1:]...)
	}
	p.reaped = append(p.reaped, copyMember(m))
}

// Reaped returns the members this agent has removed from its table
// (failed past the reconnect timeout, left past the tombstone timeout, or
// pruned by force-leave), most recent last, as they last were, and not
// including any that has since come back. It remembers the last 256, so
// a leader elected after a reap can still act on it.
func (p *Pool) Reaped() []Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Member, 0, len(p.reaped))
	for _, m := range p.reaped {
		if _, back := p.members[m.Name]; !back {
			out = append(out, copyMember(m))
		}
	}
	return out
}

// LocalMember returns this agent as the pool sees it.
func (p *Pool) LocalMember() Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m := p.members[p.config.NodeName]; m != nil {
		return copyMember(m.Member)
	}
	// Not reachable after New: memberlist reports the local node as
	// joined while it is created.
	return Member{Name: p.config.NodeName, Tags: copyTags(p.tags), Status: StatusNone}
}

// NumMembers returns how many members are alive (this agent included).
func (p *Pool) NumMembers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.members {
		if m.Status == StatusAlive {
			n++
		}
	}
	return n
}

// SetTags replaces this agent's tags and gossips them (memberlist
// UpdateNode). It waits up to 5 s for the update to reach another member,
// if there is one; the tags are applied locally either way.
func (p *Pool) SetTags(tags map[string]string) error {
	if p.isShutdown() {
		return ErrShutdown
	}
	meta, err := encodeTags(tags)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.tags = copyTags(tags)
	p.meta = meta
	p.mu.Unlock()
	if err := p.ml.UpdateNode(defaultLeaveTimeout); err != nil {
		return fmt.Errorf("lan: set tags: %w", err)
	}
	return nil
}

// Stats returns counters for the serf_lan section of `concord info`,
// named as serf names them.
func (p *Pool) Stats() map[string]string {
	p.mu.Lock()
	total, failed, left := len(p.members), 0, 0
	for _, m := range p.members {
		switch m.Status {
		case StatusFailed:
			failed++
		case StatusLeft:
			left++
		}
	}
	p.mu.Unlock()
	itoa := func(n int) string { return strconv.Itoa(n) }
	return map[string]string{
		"members":           itoa(total),
		"failed":            itoa(failed),
		"left":              itoa(left),
		"health_score":      itoa(p.ml.GetHealthScore()),
		"member_time":       strconv.FormatUint(p.clock.Time(), 10),
		"event_time":        strconv.FormatUint(p.eventTime.Load(), 10),
		"query_time":        "1",
		"intent_queue":      itoa(p.queue.NumQueued() - 1), // minus the keeper
		"event_queue":       "0",
		"query_queue":       "0",
		"encrypted":         strconv.FormatBool(p.mlConf.EncryptionEnabled()),
		"coordinate_resets": "0",
	}
}
