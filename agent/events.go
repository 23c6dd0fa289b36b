package agent

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/go-uuid"
)

// eventBufferSize is how many accepted user events an agent keeps for
// /v1/event/list (Consul's 256).
const eventBufferSize = 256

// userEventVersion is the event format version Consul stamps.
const userEventVersion = 1

// eventBuffer holds the last eventBufferSize accepted events. mu guards
// every field: ring is filled from next (the oldest once full), changed
// is closed and replaced whenever an event is added, and services lists
// the agent's own services for the filters (nil until the local state
// exists: events gossiped before then match no service filter).
type eventBuffer struct {
	mu       sync.Mutex
	ring     []lan.UserEvent
	next     int
	changed  chan struct{}
	services func() []*catalog.NodeService
}

func (b *eventBuffer) setServices(fn func() []*catalog.NodeService) {
	b.mu.Lock()
	b.services = fn
	b.mu.Unlock()
}

func (b *eventBuffer) localServices() []*catalog.NodeService {
	b.mu.Lock()
	fn := b.services
	b.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn()
}

func newEventBuffer() *eventBuffer {
	return &eventBuffer{ring: make([]lan.UserEvent, 0, eventBufferSize), changed: make(chan struct{})}
}

func (b *eventBuffer) add(ev lan.UserEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ring) < eventBufferSize {
		b.ring = append(b.ring, ev)
	} else {
		b.ring[b.next] = ev
		b.next = (b.next + 1) % eventBufferSize
	}
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *eventBuffer) list() ([]lan.UserEvent, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]lan.UserEvent, 0, len(b.ring))
	out = append(out, b.ring[b.next:]...)
	out = append(out, b.ring[:b.next]...)
	return out, b.changed
}

// FireEvent checks ev's filters, stamps it and sends it through the LAN
// pool; this agent receives it like every other member.
func (a *Agent) FireEvent(ev lan.UserEvent) (lan.UserEvent, error) {
	ev, err := stampEvent(ev)
	if err != nil {
		return lan.UserEvent{}, err
	}
	return a.lan.FireUserEvent(ev)
}

// stampEvent checks ev's filters and gives it its ID and version.
func stampEvent(ev lan.UserEvent) (lan.UserEvent, error) {
	if _, err := compileEventFilters(ev); err != nil {
		return lan.UserEvent{}, err
	}
	id, err := uuid.GenerateUUID()
	if err != nil {
		return lan.UserEvent{}, err
	}
	ev.ID, ev.Version = id, userEventVersion
	return ev, nil
}

// FireRemoteEvent checks ev's filters and stamps it here, then has the
// servers of datacenter dc fire it into their LAN pool (through this
// agent's servers, which forward it). The ID travels with it, so a
// retried call is not delivered twice.
func (a *Agent) FireRemoteEvent(ctx context.Context, dc, token string, ev lan.UserEvent) (lan.UserEvent, error) {
	ev, err := stampEvent(ev)
	if err != nil {
		return lan.UserEvent{}, err
	}
	args := catalog.EventFireRequest{
		WriteRequest: catalog.WriteRequest{Datacenter: dc, Token: token},
		ID:           ev.ID, Name: ev.Name, Payload: ev.Payload, Version: ev.Version,
		NodeFilter: ev.NodeFilter, ServiceFilter: ev.ServiceFilter, TagFilter: ev.TagFilter,
	}
	var reply catalog.EventFireReply
	if err := a.RPC(ctx, catalog.MethodEventFire, &args, &reply); err != nil {
		return lan.UserEvent{}, err
	}
	ev.LTime = reply.LTime
	return ev, nil
}

// Events lists the accepted events, oldest first.
func (a *Agent) Events() ([]lan.UserEvent, <-chan struct{}) { return a.events.list() }

// eventFilters are an event's compiled filters; nil matches everything.
type eventFilters struct{ node, service, tag *regexp.Regexp }

func compileEventFilters(ev lan.UserEvent) (eventFilters, error) {
	var f eventFilters
	if ev.TagFilter != "" && ev.ServiceFilter == "" {
		return f, &catalog.BadRequest{Msg: "Cannot provide tag filter without service filter"}
	}
	for _, c := range []struct {
		what, expr string
		re         **regexp.Regexp
	}{
		{"node", ev.NodeFilter, &f.node},
		{"service", ev.ServiceFilter, &f.service},
		{"tag", ev.TagFilter, &f.tag},
	} {
		if c.expr == "" {
			continue
		}
		re, err := regexp.Compile(c.expr)
		if err != nil {
			return f, &catalog.BadRequest{Msg: fmt.Sprintf("Invalid %s filter: %v", c.what, err)}
		}
		*c.re = re
	}
	return f, nil
}

// acceptEvent is the LAN pool's OnUserEvent: an event whose filters match
// this agent (its node name; one of its services, with one of that
// service's tags when a tag filter is given) joins the buffer.
func (a *Agent) acceptEvent(ev lan.UserEvent) {
	if !a.eventMatches(ev) {
		a.logger.Debug("user event filtered out", "name", ev.Name, "id", ev.ID)
		return
	}
	a.logger.Debug("user event received", "name", ev.Name, "id", ev.ID, "ltime", ev.LTime)
	a.events.add(ev)
}

func (a *Agent) eventMatches(ev lan.UserEvent) bool {
	f, err := compileEventFilters(ev)
	if err != nil {
		a.logger.Warn("dropping a user event with bad filters", "name", ev.Name, "id", ev.ID, "error", err)
		return false
	}
	if f.node != nil && !f.node.MatchString(a.cfg.NodeName) {
		return false
	}
	if f.service == nil {
		return true
	}
	for _, svc := range a.events.localServices() {
		if !f.service.MatchString(svc.Service) {
			continue
		}
		if f.tag == nil {
			return true
		}
		for _, tag := range svc.Tags {
			if f.tag.MatchString(tag) {
				return true
			}
		}
	}
	return false
}
