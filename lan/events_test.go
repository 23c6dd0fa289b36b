package lan

import (
	"testing"
	"time"
)

func TestSubscribe_JoinFailedLeaveEvents(t *testing.T) {
	cl := newCluster(t, "a", "b", "c")
	a := cl.start("a", nil)
	events, unsubscribe := a.Subscribe()
	b := cl.start("b", nil)
	c := cl.start("c", nil)
	cl.join(b, "a")
	cl.join(c, "a")

	want := []struct {
		typ  EventType
		node string
	}{{EventMemberJoin, "b"}, {EventMemberJoin, "c"}}
	seen := map[string]EventType{}
	for len(seen) < 2 {
		ev := nextEvent(t, events, func(Event) bool { return true })
		if ev.Member.Name == "a" {
			continue
		}
		seen[ev.Member.Name] = ev.Type
	}
	for _, w := range want {
		if seen[w.node] != w.typ {
			t.Fatalf("events = %v", seen)
		}
	}
	allSee(t, "c", StatusAlive, b)

	cl.crash("c")
	ev := nextEvent(t, events, func(e Event) bool { return e.Member.Name == "c" })
	if ev.Type != EventMemberFailed || ev.Member.Status != StatusFailed {
		t.Fatalf("after crash: %v %s", ev.Type, ev.Member.Status)
	}
	if err := b.Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	ev = nextEvent(t, events, func(e Event) bool { return e.Member.Name == "b" && e.Type != EventMemberFailed })
	if ev.Type != EventMemberLeave || ev.Member.Status != StatusLeft {
		t.Fatalf("after leave: %v %s", ev.Type, ev.Member.Status)
	}

	unsubscribe()
	unsubscribe() // idempotent
	for range events {
	} // closed: the loop ends
}

func TestSubscribe_ShutdownClosesChannels(t *testing.T) {
	cl := newCluster(t, "a")
	a := cl.start("a", nil)
	ch, unsubscribe := a.Subscribe()
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := a.Shutdown(); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after shutdown")
		}
	case <-time.After(waitTimeout):
		t.Fatal("channel not closed by Shutdown")
	}
	unsubscribe() // after Shutdown: no double close
	late, _ := a.Subscribe()
	if _, ok := <-late; ok {
		t.Fatal("subscription after Shutdown is open")
	}
}

func TestSubscribe_FullChannelDropsInsteadOfBlocking(t *testing.T) {
	cl := newCluster(t, "a")
	a := cl.start("a", nil)
	slow, stopSlow := a.Subscribe()
	defer stopSlow()
	fast, stopFast := a.Subscribe()
	defer stopFast()

	a.mu.Lock()
	self := a.members["a"]
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < subscriberBuffer+10; i++ {
			a.emitLocked(EventMemberUpdate, self)
			if i < subscriberBuffer {
				<-fast // keep the fast subscriber drained
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("emit blocked on a full subscriber")
	}
	a.mu.Unlock()
	if n := len(slow); n != subscriberBuffer {
		t.Fatalf("slow subscriber holds %d events, want %d", n, subscriberBuffer)
	}
}

func TestEventTypeString(t *testing.T) {
	for typ, want := range map[EventType]string{
		EventMemberJoin: "member-join", EventMemberUpdate: "member-update",
		EventMemberFailed: "member-failed", EventMemberLeave: "member-leave",
		EventMemberReap: "member-reap", 0: "unknown",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", int(typ), got, want)
		}
	}
}
