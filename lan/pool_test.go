package lan

import (
	"strings"
	"testing"
	"time"
)

// threePools starts a, b, c on a mock network, joined through a.
func threePools(t *testing.T, extra ...string) (*cluster, *Pool, *Pool, *Pool) {
	t.Helper()
	c := newCluster(t, append([]string{"a", "b", "c"}, extra...)...)
	a := c.start("a", map[string]string{"role": "node", "name": "a"})
	b := c.start("b", map[string]string{"role": "node", "name": "b"})
	cc := c.start("c", map[string]string{"role": "node", "name": "c"})
	c.join(b, "a")
	c.join(cc, "a")
	for _, n := range []string{"a", "b", "c"} {
		allSee(t, n, StatusAlive, a, b, cc)
	}
	return c, a, b, cc
}

func TestPool_JoinSeesAllWithTags(t *testing.T) {
	_, a, b, c := threePools(t)
	for _, p := range []*Pool{a, b, c} {
		ms := p.Members()
		if len(ms) != 3 || p.NumMembers() != 3 {
			t.Fatalf("%s: members=%d alive=%d", p.config.NodeName, len(ms), p.NumMembers())
		}
		for i, want := range []string{"a", "b", "c"} {
			m := ms[i]
			if m.Name != want || m.Status != StatusAlive || m.Tags["name"] != want || m.Tags["role"] != "node" {
				t.Fatalf("%s: member %d = %+v", p.config.NodeName, i, m)
			}
			if m.Addr == nil || m.Port == 0 {
				t.Fatalf("%s: member %s has no address: %+v", p.config.NodeName, want, m)
			}
			if m.ProtocolMin != 1 || m.ProtocolMax != 5 || m.ProtocolCur != 2 ||
				m.DelegateMin != 2 || m.DelegateMax != 5 || m.DelegateCur != 4 {
				t.Fatalf("%s: versions of %s = %+v", p.config.NodeName, want, m)
			}
		}
	}
	if lm := b.LocalMember(); lm.Name != "b" || lm.Status != StatusAlive || lm.Tags["name"] != "b" {
		t.Fatalf("local member = %+v", lm)
	}
	st := a.Stats()
	if st["members"] != "3" || st["failed"] != "0" || st["left"] != "0" || st["encrypted"] != "false" {
		t.Fatalf("stats = %v", st)
	}
	for _, k := range []string{"health_score", "member_time", "event_time", "intent_queue"} {
		if _, ok := st[k]; !ok {
			t.Fatalf("stats lack %s: %v", k, st)
		}
	}
}

func TestPool_MembersAreCopies(t *testing.T) {
	c := newCluster(t, "a")
	a := c.start("a", map[string]string{"k": "v"})
	m := a.Members()[0]
	m.Tags["k"] = "changed"
	m.Addr[0] = 1
	if got := a.LocalMember(); got.Tags["k"] != "v" || got.Addr[0] == 1 {
		t.Fatalf("member table was modified through Members(): %+v", got)
	}
}

func TestPool_SetTagsPropagates(t *testing.T) {
	_, a, b, c := threePools(t)
	events, stop := a.Subscribe()
	defer stop()
	if err := c.SetTags(map[string]string{"role": "node", "name": "c", "extra": "1"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "new tags of c everywhere", func() bool {
		for _, p := range []*Pool{a, b, c} {
			if m, ok := member(p, "c"); !ok || m.Tags["extra"] != "1" {
				return false
			}
		}
		return true
	}, dump(a, b, c))
	ev := nextEvent(t, events, func(e Event) bool { return e.Member.Name == "c" })
	if ev.Type != EventMemberUpdate || ev.Member.Tags["extra"] != "1" {
		t.Fatalf("event = %+v", ev)
	}
	big := map[string]string{"x": strings.Repeat("y", 600)}
	if err := c.SetTags(big); err == nil || !strings.Contains(err.Error(), "512") {
		t.Fatalf("oversized tags: err = %v", err)
	}
	if m := c.LocalMember(); m.Tags["extra"] != "1" {
		t.Fatalf("rejected tags were applied: %v", m.Tags)
	}
}

func TestPool_ShutdownWithoutLeaveIsFailed(t *testing.T) {
	cl, a, b, _ := threePools(t)
	cl.crash("c")
	allSee(t, "c", StatusFailed, a, b)
	if a.NumMembers() != 2 || a.Stats()["failed"] != "1" {
		t.Fatalf("alive=%d stats=%v", a.NumMembers(), a.Stats())
	}
}

func TestPool_LeaveIsLeft(t *testing.T) {
	_, a, b, c := threePools(t)
	events, stop := a.Subscribe()
	defer stop()
	if err := c.Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if s := c.LocalMember().Status; s != StatusLeft {
		t.Fatalf("leaving node sees itself %s", s)
	}
	allSee(t, "c", StatusLeft, a, b)
	// Normally the leave intent arrives before memberlist's departure
	// notice; if gossip delivers them the other way round, a brief
	// member-failed precedes the member-leave.
	ev := nextEvent(t, events, func(e Event) bool { return e.Member.Name == "c" && e.Type != EventMemberFailed })
	if ev.Type != EventMemberLeave || ev.Member.Status != StatusLeft {
		t.Fatalf("event about c = %v %s, want member-leave", ev.Type, ev.Member.Status)
	}
	if err := c.Leave(time.Second); err != nil {
		t.Fatalf("second Leave: %v", err)
	}
	if _, err := c.Join([]string{"127.0.0.1"}); err == nil {
		t.Fatal("Join after Leave succeeded")
	}
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	// Still left (not failed) after the process is gone.
	for range 20 {
		if s := status(a, "c"); s != StatusLeft {
			t.Fatalf("a sees c %s after shutdown", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPool_ForceLeave(t *testing.T) {
	cl, a, b, _ := threePools(t, "d")
	d := cl.start("d", nil)
	cl.join(d, "b")
	allSee(t, "d", StatusAlive, a, b)

	if err := a.ForceLeave("nosuch", false); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("unknown node: err = %v", err)
	}
	err := a.ForceLeave("b", false)
	if err == nil || err.Error() != "node b is alive; force-leave only applies to failed members" {
		t.Fatalf("alive node: err = %v", err)
	}

	cl.crash("c")
	cl.crash("d")
	allSee(t, "c", StatusFailed, a, b)
	allSee(t, "d", StatusFailed, a, b)

	if err := a.ForceLeave("c", false); err != nil {
		t.Fatal(err)
	}
	if s := status(a, "c"); s != StatusLeft {
		t.Fatalf("issuer sees c %s right after force-leave", s)
	}
	allSee(t, "c", StatusLeft, a, b)

	if err := b.ForceLeave("d", true); err != nil {
		t.Fatal(err)
	}
	allSee(t, "d", StatusNone, a, b)
	// Pruning an already left member removes it too.
	if err := b.ForceLeave("c", true); err != nil {
		t.Fatal(err)
	}
	allSee(t, "c", StatusNone, a, b)
}

func TestPool_Reap(t *testing.T) {
	cl := newCluster(t, "a", "b", "c", "d")
	var pools []*Pool
	for _, n := range []string{"a", "b", "c", "d"} {
		cfg := cl.config(n, nil)
		cfg.ReconnectTimeout = 400 * time.Millisecond
		cfg.TombstoneTimeout = 300 * time.Millisecond
		pools = append(pools, cl.startWith(cfg))
	}
	a, b, d := pools[0], pools[1], pools[3]
	for _, p := range pools[1:] {
		cl.join(p, "a")
	}
	for _, n := range []string{"b", "c", "d"} {
		allSee(t, n, StatusAlive, a, b)
	}
	events, stop := a.Subscribe()
	defer stop()

	cl.crash("c")
	if err := d.Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	reaped := map[string]MemberStatus{}
	deadline := time.After(waitTimeout)
	for len(reaped) < 2 {
		select {
		case ev := <-events:
			if ev.Type == EventMemberReap {
				reaped[ev.Member.Name] = ev.Member.Status
			}
		case <-deadline:
			t.Fatalf("reap events so far: %v%s", reaped, dump(a, b)())
		}
	}
	if reaped["c"] != StatusFailed || reaped["d"] != StatusLeft {
		t.Fatalf("reaped = %v", reaped)
	}
	allSee(t, "c", StatusNone, a, b)
	allSee(t, "d", StatusNone, a, b)
	if status(a, "a") != StatusAlive || status(a, "b") != StatusAlive {
		t.Fatalf("alive members reaped: %s", dump(a)())
	}
	// The pool remembers what it reaped, for a leader that missed the
	// events.
	got := map[string]MemberStatus{}
	for _, m := range a.Reaped() {
		got[m.Name] = m.Status
	}
	if len(got) != 2 || got["c"] != StatusFailed || got["d"] != StatusLeft {
		t.Fatalf("Reaped() = %v, want c failed and d left", got)
	}
}

func TestPool_FailedNodeRejoins(t *testing.T) {
	cl, a, b, _ := threePools(t)
	cl.crash("c")
	allSee(t, "c", StatusFailed, a, b)
	events, stop := a.Subscribe()
	defer stop()

	c2 := cl.restart("c", map[string]string{"name": "c", "gen": "2"})
	cl.join(c2, "b")
	allSee(t, "c", StatusAlive, a, b, c2)
	for _, n := range []string{"a", "b"} {
		allSee(t, n, StatusAlive, c2)
	}
	ev := nextEvent(t, events, func(e Event) bool { return e.Member.Name == "c" })
	if ev.Type != EventMemberJoin {
		t.Fatalf("event = %v, want member-join", ev.Type)
	}
	waitFor(t, "new tags of c", func() bool {
		m, _ := member(a, "c")
		return m.Tags["gen"] == "2"
	}, dump(a))
}

// nextEvent returns the next event matching keep, failing after 5 s.
func nextEvent(t *testing.T, ch <-chan Event, keep func(Event) bool) Event {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("event channel closed")
			}
			if keep(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("timed out waiting for an event")
		}
	}
}
