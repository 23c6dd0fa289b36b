package httpapi

import (
	"context"
	"fmt"
	"sync"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/go-uuid"
)

// fakeEvents keeps every fired event, without filters or gossip.
type fakeEvents struct {
	mu      sync.Mutex
	events  []lan.UserEvent
	changed chan struct{}
	fired   []lan.UserEvent
}

func (f *fakeEvents) FireEvent(ev lan.UserEvent) (lan.UserEvent, error) {
	if ev.TagFilter != "" && ev.ServiceFilter == "" {
		return lan.UserEvent{}, &catalog.BadRequest{Msg: "Cannot provide tag filter without service filter"}
	}
	id, err := uuid.GenerateUUID()
	if err != nil {
		return lan.UserEvent{}, err
	}
	ev.ID, ev.Version = id, 1
	f.add(ev)
	return ev, nil
}

func (f *fakeEvents) add(ev lan.UserEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fired = append(f.fired, ev)
	f.events = append(f.events, ev)
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeEvents) Events() ([]lan.UserEvent, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]lan.UserEvent(nil), f.events...), f.changed
}

func fakeEvent(name string) lan.UserEvent { return lan.UserEvent{Name: name} }

func (f *fakeEvents) FireRemoteEvent(ctx context.Context, dc, token string, ev lan.UserEvent) (lan.UserEvent, error) {
	return lan.UserEvent{}, fmt.Errorf("%w: %s", catalog.ErrUnknownDC, dc)
}
