package lan

import (
	"strings"
	"testing"

	"github.com/hashicorp/memberlist"
)

func TestIntentCodec(t *testing.T) {
	for _, in := range []intent{
		{kind: msgLeaveIntent, node: "web-1", ltime: 1},
		{kind: msgJoinIntent, node: "n", ltime: 1 << 40, prune: true},
	} {
		got, err := decodeIntent(encodeIntent(in))
		if err != nil || got != in {
			t.Fatalf("round trip %+v: %+v, %v", in, got, err)
		}
	}
	for _, bad := range [][]byte{nil, {msgLeaveIntent}, {msgLeaveIntent, 5}, {msgLeaveIntent, 0x80}} {
		if _, err := decodeIntent(bad); err == nil {
			t.Fatalf("decodeIntent(%v) succeeded", bad)
		}
	}
}

func TestPushPullStateCodec(t *testing.T) {
	cl := newCluster(t, "a", "b")
	a := cl.start("a", nil)
	b := cl.start("b", nil)
	a.mu.Lock()
	a.members["gone"] = &memberState{Member: Member{Name: "gone", Status: StatusLeft}, statusLTime: 7}
	a.members["back"] = &memberState{Member: Member{Name: "back", Status: StatusAlive}, statusLTime: 9}
	a.mu.Unlock()
	b.mu.Lock()
	b.members["gone"] = &memberState{Member: Member{Name: "gone", Status: StatusFailed}}
	b.members["back"] = &memberState{Member: Member{Name: "back", Status: StatusLeaving}, statusLTime: 8}
	b.mu.Unlock()
	for range 20 {
		a.clock.Increment()
	}
	if err := b.mergeLocalState(a.encodeLocalState()); err != nil {
		t.Fatal(err)
	}
	if s := status(b, "gone"); s != StatusLeft {
		t.Fatalf("failed member not marked left by push/pull: %s", s)
	}
	if s := status(b, "back"); s != StatusAlive {
		t.Fatalf("refuted leave not repaired by push/pull: %s", s)
	}
	if b.clock.Time() <= a.clock.Time() {
		t.Fatalf("clock not witnessed: a=%d b=%d", a.clock.Time(), b.clock.Time())
	}
	if err := b.mergeLocalState([]byte{9}); err == nil {
		t.Fatal("bad version accepted")
	}
	if err := b.mergeLocalState([]byte{pushPullVersion, 1, 1, 1, 1, 200}); err == nil {
		t.Fatal("truncated state accepted")
	}
}

// An old force-leave intent, replayed after the member rejoined (and
// again after it failed once more), must not mark it left.
func TestStaleForceLeaveIgnoredAfterRejoin(t *testing.T) {
	cl, a, b, _ := threePools(t)
	cl.crash("c")
	allSee(t, "c", StatusFailed, a, b)
	if err := a.ForceLeave("c", false); err != nil {
		t.Fatal(err)
	}
	allSee(t, "c", StatusLeft, a, b)
	a.mu.Lock()
	old := intent{kind: msgLeaveIntent, node: "c", ltime: a.members["c"].statusLTime}
	a.mu.Unlock()

	c2 := cl.restart("c", nil)
	cl.join(c2, "a")
	allSee(t, "c", StatusAlive, a, b)
	waitFor(t, "c's join intent to reach b", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.members["c"].statusLTime > old.ltime
	}, dump(b))

	d := &delegate{p: b}
	d.NotifyMsg(encodeIntent(old))
	if s := status(b, "c"); s != StatusAlive {
		t.Fatalf("stale intent changed rejoined c to %s", s)
	}
	cl.crash("c")
	allSee(t, "c", StatusFailed, a, b)
	d.NotifyMsg(encodeIntent(old))
	if s := status(b, "c"); s != StatusFailed {
		t.Fatalf("stale intent changed failed c to %s", s)
	}
}

// A leave intent about a live node (e.g. a force-leave issued across a
// partition) is refuted by that node.
func TestLeaveIntentAboutLiveNodeIsRefuted(t *testing.T) {
	_, a, b, c := threePools(t)
	lt := b.clock.Increment()
	(&delegate{p: b}).NotifyMsg(encodeIntent(intent{kind: msgLeaveIntent, node: "c", ltime: lt}))
	if s := status(b, "c"); s != StatusLeaving {
		t.Fatalf("b sees c %s, want leaving", s)
	}
	b.queueIntent(intent{kind: msgLeaveIntent, node: "c", ltime: lt}, nil)
	allSee(t, "c", StatusAlive, a, b, c)
}

func TestNameConflictDoesNotReplace(t *testing.T) {
	cl := newCluster(t, "a", "b", "impostor")
	a := cl.start("a", nil)
	b := cl.start("b", nil)
	cl.join(b, "a")
	allSee(t, "a", StatusAlive, b)
	orig, _ := member(b, "a")

	cfg := cl.config("impostor", map[string]string{"fake": "1"})
	cfg.NodeName = "a" // same name, other address
	imp := cl.startWith(cfg)
	_, err := imp.Join([]string{cl.addr("b")})
	if err == nil || !strings.Contains(err.Error(), "conflicts") {
		t.Fatalf("Join with a taken name: err = %v", err)
	}
	waitFor(t, "b to notice the conflict", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.conflicts > 0
	}, nil)
	m, _ := member(b, "a")
	if m.Status != StatusAlive || !m.Addr.Equal(orig.Addr) || m.Port != orig.Port || m.Tags["fake"] != "" {
		t.Fatalf("a was replaced: before %+v after %+v", orig, m)
	}
	if s := status(a, "a"); s != StatusAlive {
		t.Fatalf("a sees itself %s", s)
	}
	a.mu.Lock()
	blamed := a.conflict
	a.mu.Unlock()
	if blamed != "" {
		t.Fatalf("the rightful owner of the name recorded a conflict: %s", blamed)
	}
}

// The sequence from memberlist PR #263 that loses a broadcast in a bare
// TransmitLimitedQueue: with the keeper queued, nothing is lost.
func TestQueueKeeperPreventsLostIntents(t *testing.T) {
	q := &memberlist.TransmitLimitedQueue{NumNodes: func() int { return 3 }, RetransmitMult: 4}
	q.QueueBroadcast(newQueueKeeper(1400))
	queue := func(in intent, notify chan struct{}) {
		q.QueueBroadcast(&intentBroadcast{name: "intent:" + in.node, msg: encodeIntent(in), notify: notify})
	}
	queue(intent{kind: msgJoinIntent, node: "c", ltime: 3}, nil)
	if got := q.GetBroadcasts(2, 1400); len(got) != 1 {
		t.Fatalf("first transmit: %d messages", len(got))
	}
	leaveSent := make(chan struct{})
	queue(intent{kind: msgLeaveIntent, node: "c", ltime: 4}, leaveSent) // replaces the join
	queue(intent{kind: msgJoinIntent, node: "b", ltime: 2}, nil)        // same length
	seen := map[string]int{}
	for range 10 {
		for _, msg := range q.GetBroadcasts(2, 1400) {
			in, err := decodeIntent(msg)
			if err != nil {
				t.Fatal(err)
			}
			seen[in.node]++
			if in.node == "c" && in.kind != msgLeaveIntent {
				t.Fatalf("replaced join intent still sent")
			}
		}
	}
	if seen["c"] == 0 || seen["b"] == 0 {
		t.Fatalf("transmits per node: %v", seen)
	}
	select {
	case <-leaveSent:
	default:
		t.Fatal("leave intent never finished")
	}
	if n := q.NumQueued(); n != 1 {
		t.Fatalf("queue holds %d items, want just the keeper", n)
	}
}

// A node answers every new leave intent about itself with a newer join
// intent, even one no newer than its last join intent (a member that
// missed that join intent may have applied the leave), but only once.
func TestRefuteEveryNewLeaveIntentOnce(t *testing.T) {
	cl := newCluster(t, "a")
	a := cl.start("a", nil)
	a.clock.Witness(10)
	a.mu.Lock()
	a.members["a"].statusLTime = 10
	a.mu.Unlock()
	selfLTime := func() uint64 {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.members["a"].statusLTime
	}
	d := &delegate{p: a}
	d.NotifyMsg(encodeIntent(intent{kind: msgLeaveIntent, node: "a", ltime: 10}))
	refuted := selfLTime()
	if refuted <= 10 || a.queue.NumQueued() != 2 {
		t.Fatalf("no refutation: self ltime %d, queued %d", refuted, a.queue.NumQueued())
	}
	d.NotifyMsg(encodeIntent(intent{kind: msgLeaveIntent, node: "a", ltime: 10}))
	if selfLTime() != refuted {
		t.Fatal("the same intent was refuted twice")
	}
	if s := a.LocalMember().Status; s != StatusAlive {
		t.Fatalf("local status %s", s)
	}
}
