package lan

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/memberlist"
)

// msgUserEvent carries a user event (user_event.go): gossiped when it fits
// in a packet, sent to every member over memberlist's reliable messages
// when it does not.
const msgUserEvent byte = 5

// seenUserEvents is how many event IDs a pool remembers to drop repeats.
// Gossip repeats an event for a few seconds; this covers thousands of
// events in that time.
const seenUserEvents = 4096

// UserEvent is a user event (Consul's /v1/event/fire) as it travels the
// pool. The field names are Consul's, so it renders as /v1/event/list does.
type UserEvent struct {
	ID            string
	Name          string
	Payload       []byte
	NodeFilter    string
	ServiceFilter string
	TagFilter     string
	Version       int
	// LTime is the pool's user event Lamport time when it was fired.
	LTime uint64
}

// userEventState de-duplicates received events by ID. Guarded by mu;
// ring holds the remembered IDs oldest first (at next) so the oldest is
// forgotten when a new one arrives.
type userEventState struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

// firstSight records id and reports whether it was new.
func (s *userEventState) firstSight(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[id]; ok {
		return false
	}
	if s.seen == nil {
		s.seen = make(map[string]struct{}, seenUserEvents)
		s.ring = make([]string, seenUserEvents)
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.seen, old)
	}
	s.ring[s.next] = id
	s.next = (s.next + 1) % len(s.ring)
	s.seen[id] = struct{}{}
	return true
}

// userEventBroadcast is a gossiped event; events never replace each other.
type userEventBroadcast struct{ msg []byte }

func (b *userEventBroadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b *userEventBroadcast) Message() []byte                       { return b.msg }
func (b *userEventBroadcast) Finished()                             {}
func (b *userEventBroadcast) UniqueBroadcast()                      {}

// FireUserEvent stamps ev with the next user event Lamport time, hands it
// to this agent's OnUserEvent and sends it to every member. ev.ID must be
// set (it is how members drop repeats). Returns the event as sent.
func (p *Pool) FireUserEvent(ev UserEvent) (UserEvent, error) {
	if p.isShutdown() {
		return UserEvent{}, ErrShutdown
	}
	if ev.ID == "" || ev.Name == "" {
		return UserEvent{}, errors.New("lan: a user event needs an ID and a name")
	}
	ev.LTime = p.eventClock.Increment()
	msg, err := encodeUserEvent(ev)
	if err != nil {
		return UserEvent{}, err
	}
	p.userEvents.firstSight(ev.ID)
	p.deliverUserEvent(ev)
	p.sendUserEvent(msg)
	return ev, nil
}

// sendUserEvent gossips msg when it fits in a packet; a larger one goes to
// every live member directly, in the background.
func (p *Pool) sendUserEvent(msg []byte) {
	if p.gossipable(msg) {
		p.queue.QueueBroadcast(&userEventBroadcast{msg: msg})
		return
	}
	for _, n := range p.ml.Members() {
		if n.Name == p.config.NodeName {
			continue
		}
		go func(n *memberlist.Node) {
			if err := p.ml.SendReliable(n, msg); err != nil {
				p.logger.Warn("lan: sending a user event", "to", n.Name, "error", err)
			}
		}(n)
	}
}

// gossipable reports whether msg fits in a gossip packet with room for
// memberlist's framing, compression and encryption.
func (p *Pool) gossipable(msg []byte) bool {
	return len(msg) <= p.mlConf.UDPBufferSize-200
}

// handleUserEvent receives an event from another member: the first copy
// is delivered and, if it travels by gossip, passed on.
func (p *Pool) handleUserEvent(buf []byte) {
	var ev UserEvent
	if err := json.Unmarshal(buf[1:], &ev); err != nil || ev.ID == "" {
		p.logger.Warn("lan: dropping malformed user event", "error", err)
		return
	}
	p.eventClock.Witness(ev.LTime)
	if !p.userEvents.firstSight(ev.ID) {
		return
	}
	p.deliverUserEvent(ev)
	if p.gossipable(buf) {
		// buf belongs to memberlist; the queue keeps its own copy.
		p.queue.QueueBroadcast(&userEventBroadcast{msg: append([]byte(nil), buf...)})
	}
}

func (p *Pool) deliverUserEvent(ev UserEvent) {
	if p.config.OnUserEvent != nil {
		p.config.OnUserEvent(ev)
	}
}

func encodeUserEvent(ev UserEvent) ([]byte, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("lan: encoding user event: %w", err)
	}
	return append([]byte{msgUserEvent}, body...), nil
}
