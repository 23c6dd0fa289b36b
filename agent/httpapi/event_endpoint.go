package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/lan"
)

// MaxEventPayload is the largest user event payload /v1/event/fire takes.
const MaxEventPayload = 100 << 10

// Events are the agent's user events. Safe for concurrent use.
type Events interface {
	// FireEvent checks ev's filters (regular expressions; a tag filter
	// needs a service filter: *catalog.BadRequest otherwise), gives it an
	// ID and sends it to every member of the LAN pool, this agent
	// included. It returns the event as sent.
	FireEvent(ev lan.UserEvent) (lan.UserEvent, error)
	// FireRemoteEvent checks ev's filters, gives it an ID and has the
	// servers of datacenter dc fire it into that datacenter's LAN pool;
	// dc's servers check token's event:write there.
	FireRemoteEvent(ctx context.Context, dc, token string, ev lan.UserEvent) (lan.UserEvent, error)
	// Events returns the events this agent accepted (the last 256,
	// oldest first) and a channel closed when the next one arrives.
	Events() ([]lan.UserEvent, <-chan struct{})
}

// eventFire answers PUT /v1/event/fire/:name: the body is the payload.
func (s *Server) eventFire(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Path, "/v1/event/fire/")
	if name == "" {
		return badRequest("Missing name")
	}
	dc := s.datacenter(r)
	remote := !strings.EqualFold(dc, s.cfg.Datacenter)
	// Another datacenter's servers decide with their own ACLs: the
	// token may exist only there.
	if !remote {
		if err := s.allow(r, func(a acl.Authorizer) bool { return a.EventWrite(name) }); err != nil {
			return err
		}
	}
	if r.ContentLength > MaxEventPayload {
		return bodyTooLarge(MaxEventPayload)
	}
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEventPayload))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bodyTooLarge(MaxEventPayload)
		}
		return badRequest("Failed to read the event payload: %v", err)
	}
	if len(payload) == 0 {
		payload = nil
	}
	q := params(r)
	ev := lan.UserEvent{
		Name:          name,
		Payload:       payload,
		NodeFilter:    q.Get("node"),
		ServiceFilter: q.Get("service"),
		TagFilter:     q.Get("tag"),
	}
	if remote {
		ev, err = s.agent.FireRemoteEvent(r.Context(), dc, requestToken(r), ev)
	} else {
		ev, err = s.agent.FireEvent(ev)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, ev)
}

// eventList answers GET /v1/event/list[?name=]: the events this agent
// accepted that the token may read (event:read), oldest first. Its index
// is derived from the newest event's ID as Consul's is (1 with no events),
// so a blocking query (?index) returns once a newer event is listed.
func (s *Server) eventList(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	authz, err := s.authorizer(r)
	if err != nil {
		return err
	}
	name := params(r).Get("name")
	var timeout <-chan time.Time
	if opts.MinQueryIndex > 0 {
		timer := time.NewTimer(opts.MaxQueryTime)
		defer timer.Stop()
		timeout = timer.C
	}
	for {
		all, changed := s.agent.Events()
		events := make([]lan.UserEvent, 0, len(all))
		for _, ev := range all {
			if (name == "" || ev.Name == name) && authz.EventRead(ev.Name) {
				events = append(events, ev)
			}
		}
		index := EventIndex(events)
		if opts.MinQueryIndex == 0 || index != opts.MinQueryIndex {
			return writeEvents(w, r, index, events)
		}
		select {
		case <-changed:
		case <-timeout:
			return writeEvents(w, r, index, events)
		case <-r.Context().Done():
			return nil
		}
	}
}

func writeEvents(w http.ResponseWriter, r *http.Request, index uint64, events []lan.UserEvent) error {
	h := w.Header()
	h.Set("X-Consul-Index", strconv.FormatUint(index, 10))
	h.Set("X-Consul-LastContact", "0")
	h.Set("X-Consul-KnownLeader", "true")
	return writeJSON(w, r, http.StatusOK, events)
}

// EventIndex is the blocking index of an event list: the newest event's ID
// folded to 64 bits (the two halves of the UUID's hex digits XORed, as
// consul/api's Event.IDToIndex does), or 1 for no events so that a watch
// does not spin.
func EventIndex(events []lan.UserEvent) uint64 {
	if len(events) == 0 {
		return 1
	}
	return idToIndex(events[len(events)-1].ID)
}

func idToIndex(id string) uint64 {
	hex := strings.ReplaceAll(id, "-", "")
	if len(hex) != 32 {
		return 1
	}
	lo, err1 := strconv.ParseUint(hex[:16], 16, 64)
	hi, err2 := strconv.ParseUint(hex[16:], 16, 64)
	if err1 != nil || err2 != nil {
		return 1
	}
	return lo ^ hi
}
