package lan

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/memberlist"
)

// eventDelegate turns memberlist's join/leave/update notifications into
// member table changes and events. memberlist calls it with its node lock
// held, so it must not call back into memberlist.
type eventDelegate struct{ p *Pool }

func (e *eventDelegate) NotifyJoin(n *memberlist.Node)   { e.p.nodeAlive(n, true) }
func (e *eventDelegate) NotifyUpdate(n *memberlist.Node) { e.p.nodeAlive(n, false) }
func (e *eventDelegate) NotifyLeave(n *memberlist.Node) {
	e.p.nodeGone(n)
	e.p.forgetCoordinate(n.Name)
}

// conflictDelegate logs name conflicts. memberlist keeps the existing
// member and ignores the newcomer; a conflict about our own name seen while
// we are joining (we are the newcomer) makes Join fail.
type conflictDelegate struct{ p *Pool }

func (c *conflictDelegate) NotifyConflict(existing, other *memberlist.Node) {
	p := c.p
	p.logger.Error("lan: NODE NAME CONFLICT: two agents use the same node name; the newcomer is ignored",
		"name", existing.Name,
		"existing", existing.Address(),
		"other", other.Address())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conflicts++
	if existing.Name == p.config.NodeName && p.joining > 0 {
		p.conflict = fmt.Sprintf("node name %q conflicts with an existing member at %s (we are %s)",
			existing.Name, other.Address(), existing.Address())
	}
}

// decodeMeta returns n's tags; bad meta is logged and read as no tags.
func (p *Pool) decodeMeta(n *memberlist.Node) map[string]string {
	tags, err := decodeTags(n.Meta)
	if err != nil {
		p.logger.Warn("lan: bad node meta; treating member as untagged", "member", n.Name, "error", err)
	}
	return tags
}

// fillFromNode copies what memberlist knows about n into m.
func fillFromNode(m *Member, n *memberlist.Node, tags map[string]string) {
	m.Name = n.Name
	m.Addr = append(net.IP(nil), n.Addr...)
	m.Port = n.Port
	m.Tags = tags
	m.ProtocolMin, m.ProtocolMax, m.ProtocolCur = n.PMin, n.PMax, n.PCur
	m.DelegateMin, m.DelegateMax, m.DelegateCur = n.DMin, n.DMax, n.DCur
}

// nodeAlive handles NotifyJoin (joined is true) and NotifyUpdate.
func (p *Pool) nodeAlive(n *memberlist.Node, joined bool) {
	tags := p.decodeMeta(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.members[n.Name]
	if m == nil {
		m = &memberState{changed: time.Now()}
		if ri, ok := p.recentJoins[n.Name]; ok {
			m.statusLTime = ri.ltime
			delete(p.recentJoins, n.Name)
		}
		p.members[n.Name] = m
		joined = true
	}
	fillFromNode(&m.Member, n, tags)
	switch m.Status {
	case StatusAlive:
	case StatusLeaving:
		if joined {
			// memberlist saw it die and come back: the leave is over.
			p.setStatusLocked(m, StatusAlive)
		}
	default:
		joined = true
		m.pruneOnLeave = false
		if m.Status == StatusFailed && time.Since(m.changed) < FlapTimeout {
			p.counts.Flap++
		}
		p.setStatusLocked(m, StatusAlive)
	}
	if joined {
		p.emitLocked(EventMemberJoin, m)
	} else {
		p.emitLocked(EventMemberUpdate, m)
	}
}

// nodeGone handles NotifyLeave, which memberlist sends both when a node is
// declared dead and when it left. memberlist v0.6.0 does not fill in
// n.State (its node state shadows the field), so a graceful departure is
// recognized by the leave intent that preceded it (status leaving); a
// StateLeft is honored too, for memberlist versions that report it. An
// intent arriving after the death turns failed into left.
func (p *Pool) nodeGone(n *memberlist.Node) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.members[n.Name]
	if m == nil {
		m = &memberState{changed: time.Now()}
		fillFromNode(&m.Member, n, p.decodeMeta(n))
		p.members[n.Name] = m
	}
	if m.Status == StatusFailed || m.Status == StatusLeft {
		return
	}
	graceful := n.State == memberlist.StateLeft || m.Status == StatusLeaving ||
		(n.Name == p.config.NodeName && p.leaving)
	if !graceful {
		p.setStatusLocked(m, StatusFailed)
		p.emitLocked(EventMemberFailed, m)
		return
	}
	p.setStatusLocked(m, StatusLeft)
	p.emitLocked(EventMemberLeave, m)
	if m.pruneOnLeave {
		p.removeLocked(m)
	}
}

// removeLocked deletes m from the table and emits EventMemberReap. mu held.
func (p *Pool) removeLocked(m *memberState) {
	delete(p.members, m.Name)
	p.recountLocked()
	p.rememberReapedLocked(m.Member)
	p.emitLocked(EventMemberReap, m)
}
