package server

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// fakeTimers is a raft whose state, leader and last contact the test sets,
// recording the configurations it is given.
type fakeTimers struct {
	state   raft.RaftState
	leader  raft.ServerAddress
	contact time.Time
	conf    raft.ReloadableConfig
	reloads []raft.ReloadableConfig
}

func (f *fakeTimers) State() raft.RaftState  { return f.state }
func (f *fakeTimers) LastContact() time.Time { return f.contact }
func (f *fakeTimers) LeaderWithID() (raft.ServerAddress, raft.ServerID) {
	return f.leader, raft.ServerID(f.leader)
}
func (f *fakeTimers) ReloadableConfig() raft.ReloadableConfig { return f.conf }
func (f *fakeTimers) ReloadConfig(rc raft.ReloadableConfig) error {
	f.conf = rc
	f.reloads = append(f.reloads, rc)
	return nil
}

func newLeaderGoneTest(refused bool) (*leaderGone, *fakeTimers, *[]string, *[]string) {
	normal := raft.ReloadableConfig{HeartbeatTimeout: time.Second, ElectionTimeout: time.Second, TrailingLogs: 10240}
	f := &fakeTimers{state: raft.Follower, leader: "10.0.0.1:8300", conf: normal}
	var probes, fast []string
	g := &leaderGone{
		r:       f,
		refuses: func(addr string) bool { probes = append(probes, addr); return refused },
		lease:   500 * time.Millisecond,
		maxFast: 10 * time.Second,
		jitter:  func() time.Duration { return 0 },
		sleep:   func(time.Duration) {},
		onFast:  func(leader string) { fast = append(fast, leader) },
	}
	return g, f, &probes, &fast
}

// A follower whose leader went silent for a lease and whose port refuses
// shortens its timeouts to the lease, and restores them once it hears
// from a leader again.
func TestLeaderGoneShortensTimeoutsUntilALeaderIsHeard(t *testing.T) {
	g, f, probes, fast := newLeaderGoneTest(true)
	t0 := time.Now()
	f.contact = t0
	g.tick(t0.Add(400 * time.Millisecond)) // within the lease: nothing
	if len(*probes) != 0 || len(f.reloads) != 0 {
		t.Fatalf("probed %v, reloaded %v before the lease ran out", *probes, f.reloads)
	}
	g.tick(t0.Add(600 * time.Millisecond))
	if len(*probes) != 1 || len(*fast) != 1 || (*fast)[0] != "10.0.0.1:8300" {
		t.Fatalf("probes %v, fast elections %v: want one of each for the leader", *probes, *fast)
	}
	if f.conf.HeartbeatTimeout != 500*time.Millisecond || f.conf.ElectionTimeout != 500*time.Millisecond || f.conf.TrailingLogs != 10240 {
		t.Fatalf("shortened config %+v: want both timeouts at the lease, the rest kept", f.conf)
	}
	// Campaigning: no leader yet, the short timeouts stay.
	f.state, f.leader = raft.Candidate, ""
	g.tick(t0.Add(900 * time.Millisecond))
	if f.conf.HeartbeatTimeout != 500*time.Millisecond {
		t.Fatalf("timeouts restored while still campaigning: %+v", f.conf)
	}
	// Another server won and was heard from: back to normal.
	f.state, f.leader, f.contact = raft.Follower, "10.0.0.2:8300", t0.Add(1000*time.Millisecond)
	g.tick(t0.Add(1100 * time.Millisecond))
	if f.conf.HeartbeatTimeout != time.Second || f.conf.ElectionTimeout != time.Second {
		t.Fatalf("timeouts not restored after a new leader was heard: %+v", f.conf)
	}
	if len(*fast) != 1 {
		t.Fatalf("fast elections %v: want one", *fast)
	}
}

// Winning the election restores the timeouts too, and so does a quorum
// that never comes back, after maxFast.
func TestLeaderGoneRestoresOnWinOrAfterMaxFast(t *testing.T) {
	for _, tc := range []struct {
		name  string
		state raft.RaftState
		after time.Duration
	}{
		{"won", raft.Leader, time.Second},
		{"no quorum", raft.Candidate, 11 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, f, _, _ := newLeaderGoneTest(true)
			t0 := time.Now()
			f.contact = t0
			g.tick(t0.Add(time.Second))
			if f.conf.HeartbeatTimeout != 500*time.Millisecond {
				t.Fatal("not shortened")
			}
			f.state, f.leader = tc.state, ""
			g.tick(t0.Add(time.Second + tc.after))
			if f.conf.HeartbeatTimeout != time.Second {
				t.Fatalf("timeouts %+v: want restored", f.conf)
			}
		})
	}
}

// A leader that is silent but whose port does not refuse (a partition, a
// dead host: the dial times out) leaves raft's timing alone, and its port
// is tried once per lease, not on every tick.
func TestLeaderGoneLeavesTimingAloneWithoutARefusal(t *testing.T) {
	g, f, probes, fast := newLeaderGoneTest(false)
	t0 := time.Now()
	f.contact = t0
	for ms := 600; ms <= 1500; ms += 100 {
		g.tick(t0.Add(time.Duration(ms) * time.Millisecond))
	}
	if len(f.reloads) != 0 || len(*fast) != 0 {
		t.Fatalf("reloaded %v without a refusal", f.reloads)
	}
	if len(*probes) != 2 {
		t.Fatalf("%d probes over 900 ms of silence: want one per 500 ms lease (2)", len(*probes))
	}
}
