package lan

import (
	"encoding/binary"
	"errors"
)

// delegate is the memberlist Delegate: it serves our node meta, carries
// intents over gossip and exchanges the Lamport clock and the left members
// over push/pull. None of its methods may block.
type delegate struct{ p *Pool }

// NodeMeta returns our encoded tags (checked against the limit by New and
// SetTags).
func (d *delegate) NodeMeta(limit int) []byte {
	d.p.mu.Lock()
	meta := d.p.meta
	d.p.mu.Unlock()
	if len(meta) > limit {
		d.p.logger.Error("lan: node meta over limit; advertising no tags", "size", len(meta), "limit", limit)
		return nil
	}
	return meta
}

// NotifyMsg receives user messages: a type byte and its payload.
func (d *delegate) NotifyMsg(buf []byte) {
	if len(buf) == 0 {
		return
	}
	switch buf[0] {
	case msgLeaveIntent, msgJoinIntent:
		in, err := decodeIntent(buf)
		if err != nil {
			d.p.logger.Warn("lan: dropping malformed intent", "error", err)
			return
		}
		d.p.handleIntent(in)
	case msgKeyringRequest:
		d.p.handleKeyringRequest(buf[1:])
	case msgKeyringAnswer:
		d.p.handleKeyringAnswer(buf[1:])
	case msgUserEvent:
		d.p.handleUserEvent(buf)
	default:
		d.p.logger.Debug("lan: ignoring unknown message type", "type", buf[0])
	}
}

// GetBroadcasts hands queued intents to memberlist's gossip.
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.p.queue.GetBroadcasts(overhead, limit)
}

// LocalState is sent on every push/pull (join or periodic).
func (d *delegate) LocalState(join bool) []byte { return d.p.encodeLocalState() }

// MergeRemoteState applies the remote side's LocalState.
func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	if err := d.p.mergeLocalState(buf); err != nil {
		d.p.logger.Warn("lan: dropping malformed push/pull state", "error", err)
	}
}

// Push/pull state layout: version byte (1), the Lamport clock (uvarint),
// the number of entries (uvarint), then per member with an intent time: the
// ltime (uvarint), its status here (one byte: alive or left), the name
// length (uvarint) and the name. Receivers witness the clock (so a joining
// node's join intent outranks the cluster's leave intents) and apply the
// entries as intents, repairing missed gossip: a left entry turns a member
// they consider failed into left; an alive entry acts as a join intent
// (ending a "leaving" the member refuted).
const pushPullVersion byte = 1

func (p *Pool) encodeLocalState() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var entries []*memberState
	for _, m := range p.members {
		if m.statusLTime > 0 && (m.Status == StatusAlive || m.Status == StatusLeft) {
			entries = append(entries, m)
		}
	}
	buf := []byte{pushPullVersion}
	buf = binary.AppendUvarint(buf, p.clock.Time())
	buf = binary.AppendUvarint(buf, uint64(len(entries)))
	for _, m := range entries {
		buf = binary.AppendUvarint(buf, m.statusLTime)
		buf = append(buf, byte(m.Status))
		buf = binary.AppendUvarint(buf, uint64(len(m.Name)))
		buf = append(buf, m.Name...)
	}
	return buf
}

func (p *Pool) mergeLocalState(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	if buf[0] != pushPullVersion {
		return errors.New("unknown push/pull state version")
	}
	r := buf[1:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(r)
		if n <= 0 {
			return 0, false
		}
		r = r[n:]
		return v, true
	}
	clock, ok := next()
	if !ok {
		return errors.New("truncated clock")
	}
	p.clock.Witness(clock)
	count, ok := next()
	if !ok {
		return errors.New("truncated entry count")
	}
	var intents []intent
	for i := uint64(0); i < count; i++ {
		lt, ok := next()
		if !ok || len(r) < 1 {
			return errors.New("truncated entry")
		}
		kind := msgJoinIntent
		if MemberStatus(r[0]) == StatusLeft {
			kind = msgLeaveIntent
		}
		r = r[1:]
		size, ok := next()
		if !ok || size > uint64(len(r)) {
			return errors.New("truncated entry name")
		}
		intents = append(intents, intent{kind: kind, node: string(r[:size]), ltime: lt})
		r = r[size:]
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, in := range intents {
		switch {
		case in.node == p.config.NodeName:
		case in.kind == msgLeaveIntent:
			p.applyLeaveIntentLocked(in, false)
		default:
			p.applyJoinIntentLocked(in)
		}
	}
	return nil
}
