package lan

import "sync"

// EventType says what happened to a member.
type EventType int

const (
	// EventMemberJoin: a member became alive (new, or back from failed/left).
	EventMemberJoin EventType = iota + 1
	// EventMemberUpdate: an alive member changed its tags or address.
	EventMemberUpdate
	// EventMemberFailed: a member stopped answering without leaving.
	EventMemberFailed
	// EventMemberLeave: a member left gracefully or was force-left.
	EventMemberLeave
	// EventMemberReap: a failed or left member was removed from the table
	// (timeout or force-leave with prune).
	EventMemberReap
)

func (t EventType) String() string {
	switch t {
	case EventMemberJoin:
		return "member-join"
	case EventMemberUpdate:
		return "member-update"
	case EventMemberFailed:
		return "member-failed"
	case EventMemberLeave:
		return "member-leave"
	case EventMemberReap:
		return "member-reap"
	}
	return "unknown"
}

// Event is one membership change; Member is the member as of the change.
type Event struct {
	Type   EventType
	Member Member
}

// subscriberBuffer is each subscription's channel capacity.
const subscriberBuffer = 1024

type subscriber struct {
	ch       chan Event
	dropping bool // the last event was dropped; warn once per streak
}

// Subscribe returns a channel receiving every membership event from now on
// and a function that ends the subscription and closes the channel. The
// channel is buffered (1024); when it is full, events are dropped with a
// warning, so consumers should also reconcile from Members() periodically.
// Shutdown closes all subscription channels.
func (p *Pool) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, subscriberBuffer)
	p.subMu.Lock()
	if p.subsClosed {
		p.subMu.Unlock()
		close(ch)
		return ch, func() {}
	}
	id := p.nextSub
	p.nextSub++
	p.subs[id] = &subscriber{ch: ch}
	p.subMu.Unlock()

	var once sync.Once
	return ch, func() {
		once.Do(func() {
			p.subMu.Lock()
			defer p.subMu.Unlock()
			if s, ok := p.subs[id]; ok {
				delete(p.subs, id)
				close(s.ch)
			}
		})
	}
}

// emitLocked sends an event about m to every subscriber without blocking.
// mu is held, which keeps events in table order.
func (p *Pool) emitLocked(t EventType, m *memberState) {
	ev := Event{Type: t, Member: copyMember(m.Member)}
	p.eventTime.Add(1)
	p.countLocked(t)
	p.subMu.Lock()
	defer p.subMu.Unlock()
	for _, s := range p.subs {
		select {
		case s.ch <- ev:
			s.dropping = false
		default:
			if !s.dropping {
				p.logger.Warn("lan: subscriber channel full; dropping membership events",
					"event", t.String(), "member", m.Name)
			}
			s.dropping = true
		}
	}
}

// closeSubscribers ends all subscriptions (Shutdown).
func (p *Pool) closeSubscribers() {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	p.subsClosed = true
	for id, s := range p.subs {
		delete(p.subs, id)
		close(s.ch)
	}
}
