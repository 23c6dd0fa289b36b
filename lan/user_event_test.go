package lan

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"
)

// eventLog counts the user events each pool delivered, by event ID.
type eventLog struct {
	mu     sync.Mutex
	counts map[string]map[string]int // node -> ID -> deliveries
	last   map[string]UserEvent      // ID -> last delivered copy
}

func (l *eventLog) handler(node string) func(UserEvent) {
	return func(ev UserEvent) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.counts[node] == nil {
			l.counts[node] = map[string]int{}
		}
		l.counts[node][ev.ID]++
		l.last[ev.ID] = ev
	}
}

func (l *eventLog) count(node, id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[node][id]
}

func TestUserEventReachesEveryMemberOnce(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	cl := newCluster(t, names...)
	log := &eventLog{counts: map[string]map[string]int{}, last: map[string]UserEvent{}}
	var pools []*Pool
	for _, n := range names {
		cfg := cl.config(n, nil)
		cfg.OnUserEvent = log.handler(n)
		pools = append(pools, cl.startWith(cfg))
	}
	for _, p := range pools[1:] {
		cl.join(p, "a")
	}
	for _, n := range names {
		allSee(t, n, StatusAlive, pools...)
	}

	small := UserEvent{ID: "ev-small", Name: "deploy", Payload: []byte("v1"), Version: 1}
	large := UserEvent{ID: "ev-large", Name: "deploy", Payload: bytes.Repeat([]byte("x"), 50<<10), Version: 1}
	sent, err := pools[1].FireUserEvent(small)
	if err != nil {
		t.Fatal(err)
	}
	if sent.LTime == 0 {
		t.Fatalf("fired event has no Lamport time: %+v", sent)
	}
	if _, err := pools[2].FireUserEvent(large); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{small.ID, large.ID} {
		waitFor(t, "every member to receive "+id, func() bool {
			for _, n := range names {
				if log.count(n, id) == 0 {
					return false
				}
			}
			return true
		}, nil)
	}
	// Gossip keeps repeating the small event for a while; no member may
	// deliver it twice.
	time.Sleep(500 * time.Millisecond)
	for _, n := range names {
		for _, id := range []string{small.ID, large.ID} {
			if c := log.count(n, id); c != 1 {
				t.Errorf("%s delivered %s %d times, want once", n, id, c)
			}
		}
	}
	log.mu.Lock()
	got := log.last[large.ID]
	log.mu.Unlock()
	if !bytes.Equal(got.Payload, large.Payload) || got.Name != "deploy" {
		t.Errorf("large event arrived as name %q, %d payload bytes", got.Name, len(got.Payload))
	}
	// Receivers witnessed the clock: a later event from another member is
	// stamped after the first.
	next, err := pools[3].FireUserEvent(UserEvent{ID: "ev-next", Name: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	if next.LTime <= sent.LTime {
		t.Errorf("later event LTime %d not after %d", next.LTime, sent.LTime)
	}
}

func TestUserEventNeedsIDAndName(t *testing.T) {
	cl := newCluster(t, "a")
	p := cl.start("a", nil)
	for _, ev := range []UserEvent{{Name: "x"}, {ID: "1"}} {
		if _, err := p.FireUserEvent(ev); err == nil {
			t.Errorf("FireUserEvent(%+v) accepted", ev)
		}
	}
}

func TestUserEventSeenForgetsOldest(t *testing.T) {
	var s userEventState
	for i := 0; i < seenUserEvents+1; i++ {
		if !s.firstSight(fmt.Sprint(i)) {
			t.Fatalf("id %d reported seen", i)
		}
	}
	if s.firstSight(fmt.Sprint(seenUserEvents)) {
		t.Error("newest id not remembered")
	}
	if !s.firstSight("0") {
		t.Error("oldest id still remembered past the limit")
	}
}
