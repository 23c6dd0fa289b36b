package lan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// User message types: the first byte of every message this package sends
// through memberlist's user channel. New kinds get new values.
const (
	// msgLeaveIntent: the node is leaving (sent by itself) or is to be
	// marked left (force-leave, sent by any member).
	msgLeaveIntent byte = 1
	// msgJoinIntent: the node is (again) a live member as of ltime; sent
	// by the node itself after Join and to refute a leave intent about it.
	msgJoinIntent byte = 2
	// msgKeyringRequest asks a member to apply a keyring operation and
	// msgKeyringAnswer carries its answer back (keyring.go). Both go
	// point to point over memberlist's reliable messages, never gossip.
	msgKeyringRequest byte = 3
	msgKeyringAnswer  byte = 4
)

const flagPrune byte = 1 << 0

// recentIntentTimeout bounds how long a join intent about a member we do
// not know yet is remembered.
const recentIntentTimeout = 5 * time.Minute

// intent is a leave or join intent. Wire layout: type byte, ltime as a
// uvarint, a flags byte (bit 0: prune), then the node name (the rest).
type intent struct {
	kind  byte
	node  string
	ltime uint64
	prune bool
}

type recentIntent struct {
	ltime uint64
	at    time.Time
}

func encodeIntent(in intent) []byte {
	buf := make([]byte, 0, 2+binary.MaxVarintLen64+len(in.node))
	buf = append(buf, in.kind)
	buf = binary.AppendUvarint(buf, in.ltime)
	var flags byte
	if in.prune {
		flags |= flagPrune
	}
	buf = append(buf, flags)
	return append(buf, in.node...)
}

func decodeIntent(buf []byte) (intent, error) {
	if len(buf) < 1 {
		return intent{}, errors.New("empty intent")
	}
	in := intent{kind: buf[0]}
	lt, n := binary.Uvarint(buf[1:])
	if n <= 0 {
		return intent{}, errors.New("bad intent ltime")
	}
	rest := buf[1+n:]
	if len(rest) < 2 {
		return intent{}, errors.New("intent without node name")
	}
	in.ltime = lt
	in.prune = rest[0]&flagPrune != 0
	in.node = string(rest[1:])
	return in, nil
}

// intentBroadcast is a queued intent. Intents about the same node share a
// name, so a newer one replaces an older one still in the queue.
type intentBroadcast struct {
	name   string
	msg    []byte
	notify chan struct{}
	once   sync.Once
}

func (b *intentBroadcast) Name() string    { return b.name }
func (b *intentBroadcast) Message() []byte { return b.msg }
func (b *intentBroadcast) Invalidates(other memberlist.Broadcast) bool {
	nb, ok := other.(memberlist.NamedBroadcast)
	return ok && nb.Name() == b.name
}
func (b *intentBroadcast) Finished() {
	b.once.Do(func() {
		if b.notify != nil {
			close(b.notify)
		}
	})
}

// queueKeeper is a broadcast that is never sent and never leaves the
// queue. memberlist's TransmitLimitedQueue (v0.6.0, and v0.7.0) resets its
// id generator whenever it becomes momentarily empty (invalidating its only
// item, or taking its only item out to transmit it); items queued after
// that reuse ids, and an item with the same transmit count, length and id
// as a surviving one silently replaces it, never Finished (memberlist PR
// #263). Intents are all about the same length, so this would lose them.
// With the keeper queued the queue is never empty and ids stay unique. Its
// message is longer than any packet, so GetBroadcasts never selects it.
type queueKeeper struct{ msg []byte }

func newQueueKeeper(udpBufferSize int) *queueKeeper {
	return &queueKeeper{msg: make([]byte, max(udpBufferSize, 1<<16)+1)}
}

func (k *queueKeeper) Invalidates(memberlist.Broadcast) bool { return false }
func (k *queueKeeper) Message() []byte                       { return k.msg }
func (k *queueKeeper) Finished()                             {}
func (k *queueKeeper) UniqueBroadcast()                      {}

// queueIntent gossips in; notify (may be nil) is closed once it is no
// longer being retransmitted. Must not be called with mu held.
func (p *Pool) queueIntent(in intent, notify chan struct{}) {
	p.queue.QueueBroadcast(&intentBroadcast{
		name:   "intent:" + in.node,
		msg:    encodeIntent(in),
		notify: notify,
	})
}

// broadcastJoinIntent announces that this node is a live member as of a
// fresh Lamport time, which outranks any older leave intent about it.
func (p *Pool) broadcastJoinIntent() {
	lt := p.clock.Increment()
	p.mu.Lock()
	if self := p.members[p.config.NodeName]; self != nil {
		self.statusLTime = lt
	}
	p.mu.Unlock()
	p.queueIntent(intent{kind: msgJoinIntent, node: p.config.NodeName, ltime: lt}, nil)
}

// ForceLeave marks a failed member as left, here and (by gossip) on every
// member; with prune it is also removed from the member tables at once.
// A left member may be force-left again (e.g. to prune it).
func (p *Pool) ForceLeave(node string, prune bool) error {
	if p.isShutdown() {
		return ErrShutdown
	}
	if node == p.config.NodeName {
		return fmt.Errorf("node %s is the local agent; use Leave", node)
	}
	p.mu.Lock()
	m, ok := p.members[node]
	if !ok {
		p.mu.Unlock()
		return fmt.Errorf("unknown node %s: not a member of the LAN pool", node)
	}
	switch m.Status {
	case StatusAlive:
		p.mu.Unlock()
		return fmt.Errorf("node %s is alive; force-leave only applies to failed members", node)
	case StatusLeaving:
		p.mu.Unlock()
		return fmt.Errorf("node %s is leaving; force-leave only applies to failed members", node)
	}
	in := intent{kind: msgLeaveIntent, node: node, ltime: p.clock.Increment(), prune: prune}
	p.applyLeaveIntentLocked(in, false)
	p.mu.Unlock()
	p.logger.Info("lan: force-leave", "member", node, "prune", prune)
	p.queueIntent(in, nil)
	return nil
}

// handleIntent applies a gossiped intent and passes it on if it was news.
func (p *Pool) handleIntent(in intent) {
	p.clock.Witness(in.ltime)
	var changed bool
	switch in.kind {
	case msgLeaveIntent:
		if in.node == p.config.NodeName {
			p.refuteLeave(in)
			return
		}
		p.mu.Lock()
		changed = p.applyLeaveIntentLocked(in, true)
		p.mu.Unlock()
	case msgJoinIntent:
		if in.node == p.config.NodeName {
			return
		}
		p.mu.Lock()
		changed = p.applyJoinIntentLocked(in)
		p.mu.Unlock()
	}
	if changed {
		p.queueIntent(in, nil)
	}
}

// refuteLeave answers a leave intent about this node while it is not
// leaving (a force-leave issued across a partition, or one that raced our
// join). Every new such intent is answered, even one older than our last
// join intent: a member that missed that join intent may have applied it.
// The answer is newer than the intent, since we witnessed it.
func (p *Pool) refuteLeave(in intent) {
	p.mu.Lock()
	answered := p.leaving || in.ltime <= p.lastRefuted
	if !answered {
		p.lastRefuted = in.ltime
	}
	p.mu.Unlock()
	if answered {
		return
	}
	p.logger.Warn("lan: refuting a leave intent about this node", "ltime", in.ltime)
	p.broadcastJoinIntent()
}

// applyLeaveIntentLocked applies a leave intent newer than the member's
// last one: failed becomes left; alive becomes leaving when allowAlive
// (our failure detection may lag the issuer's, or the member is leaving
// gracefully; the member refutes if neither). Returns whether anything
// changed. mu held.
func (p *Pool) applyLeaveIntentLocked(in intent, allowAlive bool) bool {
	m, ok := p.members[in.node]
	if !ok || in.ltime <= m.statusLTime {
		return false
	}
	switch m.Status {
	case StatusAlive:
		if !allowAlive {
			return false
		}
		p.setStatusLocked(m, StatusLeaving)
	case StatusFailed:
		p.setStatusLocked(m, StatusLeft)
		p.emitLocked(EventMemberLeave, m)
	}
	m.statusLTime = in.ltime
	if in.prune {
		if m.Status == StatusLeft {
			p.removeLocked(m)
		} else {
			m.pruneOnLeave = true
		}
	}
	return true
}

// applyJoinIntentLocked records a join intent: it outranks older leave
// intents and ends a "leaving" that the member refuted. mu held.
func (p *Pool) applyJoinIntentLocked(in intent) bool {
	m, ok := p.members[in.node]
	if !ok {
		if ri, seen := p.recentJoins[in.node]; seen && in.ltime <= ri.ltime {
			return false
		}
		p.recentJoins[in.node] = recentIntent{ltime: in.ltime, at: time.Now()}
		return true
	}
	if in.ltime <= m.statusLTime {
		return false
	}
	m.statusLTime = in.ltime
	if m.Status == StatusLeaving {
		m.pruneOnLeave = false
		p.setStatusLocked(m, StatusAlive)
	}
	return true
}
