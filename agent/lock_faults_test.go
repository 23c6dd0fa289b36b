package agent_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// faultHold is one contender's belief that it holds the lock: from the
// return of Lock to the moment its lost channel closed or it decided to
// let go (before it calls Unlock).
type faultHold struct {
	who        string
	start, end time.Time // end is zero while held
	// lost is when api.Lock's lost channel closed, for a contender that
	// holds until it loses the lock (see lockContender's keep); it may
	// come after end, when the contender's own guard let go first.
	lost time.Time
}

type faultHolds struct {
	mu    sync.Mutex
	holds []faultHold
}

func (l *faultHolds) begin(who string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds = append(l.holds, faultHold{who: who, start: time.Now()})
	return len(l.holds) - 1
}

func (l *faultHolds) finish(i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds[i].end = time.Now()
}

func (l *faultHolds) lostAt(i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds[i].lost = time.Now()
}

// get is hold i as it is now.
func (l *faultHolds) get(i int) faultHold {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holds[i]
}

// openSince is the index of who's hold that started after t and is still
// held, or -1.
func (l *faultHolds) openSince(who string, t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, h := range l.holds {
		if h.who == who && h.end.IsZero() && h.start.After(t) {
			return i
		}
	}
	return -1
}

func (l *faultHolds) all() []faultHold {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]faultHold(nil), l.holds...)
}

// holder returns who holds the lock now, or "".
func (l *faultHolds) holder() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.holds {
		if h.end.IsZero() {
			return h.who
		}
	}
	return ""
}

// firstStartAfter is the first acquisition after t, or the zero time.
func (l *faultHolds) firstStartAfter(t time.Time) time.Time {
	var first time.Time
	for _, h := range l.all() {
		if h.start.After(t) && (first.IsZero() || h.start.Before(first)) {
			first = h.start
		}
	}
	return first
}

// lockContender takes api.Lock on key through c over and over: each round
// creates a session (the agent's serfHealth check, release, lockDelay),
// holds the lock for about hold or until it is lost, unlocks and destroys
// the session. Destroying the session frees the key even when the Unlock
// failed (a leader change in between), so a round never leaves the key
// held by a session nobody uses. It returns when stop closes, after at
// most rounds rounds.
//
// A round that begins while keep() is true holds until the lock is lost
// instead, and follows Consul's advice for a holder that may be cut off:
// it also lets go when guardLock cannot confirm with the servers that its
// session still holds the key. Its recorded hold ends at the first of the
// two; api.Lock's own notice (lost) is recorded apart, for the figure of
// how long the client library alone would have believed it held a lock
// the servers had taken back.
func lockContender(name string, c *api.Client, key string, lockDelay, hold time.Duration, keep func() bool, log *faultHolds, stop <-chan struct{}) {
	pause := func(d time.Duration) bool {
		select {
		case <-stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	const rounds = 2000
	for round := 0; round < rounds; round++ {
		id, _, err := c.Session().Create(&api.SessionEntry{Name: "contender-" + name, LockDelay: lockDelay}, nil)
		if err != nil {
			if !pause(200 * time.Millisecond) {
				return
			}
			continue
		}
		l, err := c.LockOpts(&api.LockOptions{Key: key, Value: []byte(name), Session: id, LockWaitTime: 2 * time.Second})
		if err != nil {
			return
		}
		lost, err := l.Lock(stop)
		if err == nil && lost != nil && keep() {
			i := log.begin(name)
			select {
			case <-lost:
			case <-guardLock(c, key, id, lost, stop):
			case <-stop:
			}
			log.finish(i)
			select {
			case <-lost:
				log.lostAt(i)
			case <-stop:
			case <-time.After(keepLostLimit):
			}
			l.Unlock()
		} else if err == nil && lost != nil {
			i := log.begin(name)
			select {
			case <-lost:
			case <-time.After(hold):
			case <-stop:
			}
			log.finish(i)
			l.Unlock()
		}
		for try := 0; try < 40; try++ {
			if _, err := c.Session().Destroy(id, nil); err == nil {
				break
			}
			if !pause(250 * time.Millisecond) {
				return
			}
		}
		if !pause(time.Duration(50+rand.IntN(100)) * time.Millisecond) {
			return
		}
	}
}

// guardTimeout bounds guardLock's reads: a holder that cannot confirm its
// lock with the servers within it lets go. keepLostLimit bounds how long
// a keeping contender waits for api.Lock to notice a loss by itself.
const (
	guardTimeout  = 2 * time.Second
	keepLostLimit = 90 * time.Second
)

// guardLock is the holder's side of Consul's caveat for locks: a holder
// that cannot reach the servers must consider the lock lost, because the
// servers may have invalidated its session behind a partition and handed
// the lock on after the lock-delay. It reads key with ?consistent every
// 250 ms, each read bounded by guardTimeout, and closes the returned
// channel at the first read that fails, times out or shows another
// session (or none), or when lost or stop closes.
func guardLock(c *api.Client, key, session string, lost, stop <-chan struct{}) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		defer close(out)
		for i := 0; i < 1_000_000; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), guardTimeout)
			kv, _, err := c.KV().Get(key, (&api.QueryOptions{RequireConsistent: true}).WithContext(ctx))
			cancel()
			if err != nil || kv == nil || kv.Session != session {
				return
			}
			select {
			case <-lost:
				return
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	return out
}

// TestLockSafetyUnderFaults runs three servers and three client agents,
// each client with an api.Lock contender on one key that holds for about
// 700 ms at a time and records its hold intervals. It stops the leader
// (Agent.Shutdown: no hand-off, no leave), waits for a new one, restarts
// the stopped server on its old ports, and does it again. Then it
// partitions client c1 (agenttest.Faults under its server connections
// and its gossip) while c1's contender holds the lock and keeps it until
// it loses it, and heals the partition (see partitionFault). Last it
// stops the agent of the client whose contender holds the lock, without
// leave, as kill -9 would.
//
// What it asserts:
//   - no two recorded hold intervals overlap at all. The lock-delay (1 s)
//     is what makes that hold for a holder whose session ends behind its
//     back: the next holder may acquire only lock-delay after the session
//     ended, and a holder whose agent reaches the servers sees the key
//     change through its consistent blocking read within milliseconds;
//     one whose agent is gone sees its read fail at once. A holder behind
//     a partition sees nothing: its hold ends when its guard (guardLock)
//     cannot reach the servers, as Consul advises, and how much later
//     api.Lock alone would have noticed is measured;
//   - after each leader fault, an acquisition follows within
//     election + lock-delay + 5 s (5 s is api.Lock's fixed retry after an
//     acquire refused under lock-delay), the election counted until a
//     server reports a leader again;
//   - after the partition and after the client fault, the lock is held
//     again within lock-delay + 5 s of the servers invalidating the cut
//     or dead holder's session (gossip failure detection comes before
//     that and is logged); the healed node is alive again and its
//     contender holds the lock again.
func TestLockSafetyUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	const (
		key       = "faults/lock"
		lockDelay = time.Second
		hold      = 700 * time.Millisecond
		slack     = 2 * time.Second // scheduling on two loaded cores
	)
	const partitioned = "c1" // the client agent whose network is cut
	network := agenttest.NewFaults()
	var cfgMu sync.Mutex
	cfgs := map[string]*config.Config{}
	srvs, clis := agenttest.StartClusterWith(t, 3, 3, func(c *config.Config) {
		c.RPCHoldTimeout = 7 * time.Second
		// Serf's 30 s would make the rejoin after the heal slow to wait for.
		c.ReconnectInterval = 2 * time.Second
		if c.NodeName == partitioned {
			c.TestNetwork = network
		}
		cfgMu.Lock()
		cfgs[c.NodeName] = c
		cfgMu.Unlock()
	})

	var log faultHolds
	var keeper atomic.Value // the name of the contender that holds until it loses the lock
	keeper.Store("")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Log("contenders did not wind down within 30s")
		}
	}()
	clientOf := map[string]*agent.Agent{}
	for _, a := range clis {
		name := a.Self().NodeName
		clientOf[name] = a
		c := agenttest.Client(t, a)
		wg.Add(1)
		go func() {
			defer wg.Done()
			keep := func() bool { return keeper.Load().(string) == name }
			lockContender(name, c, key, lockDelay, hold, keep, &log, stop)
		}()
	}
	agenttest.WaitFor(t, 30*time.Second, "three hand-overs before any fault", func() error {
		if n := len(log.all()); n < 3 {
			return fmt.Errorf("%d holds so far", n)
		}
		return nil
	})

	live := append([]*agent.Agent{}, srvs...)
	for fault := 1; fault <= 2; fault++ {
		leader := leaderOf(t, live)
		name := leader.Self().NodeName
		restartCfg := *cfgs[name]
		restartCfg.Ports.HTTP = portOf(t, leader.HTTPAddrs()[0].String())
		restartCfg.Ports.SerfLAN = portOf(t, agenttest.LANAddr(leader))
		restartCfg.Ports.Server = portOf(t, ":"+leader.Self().Member.Tags[lan.TagPort])

		leader.Shutdown()
		at := time.Now()
		var rest []*agent.Agent
		for _, s := range live {
			if s != leader {
				rest = append(rest, s)
			}
		}
		next := leaderOf(t, rest)
		elected := time.Since(at)
		var acquired time.Time
		agenttest.WaitFor(t, elected+lockDelay+5*time.Second+slack+10*time.Second, "an acquisition after the leader fault", func() error {
			if acquired = log.firstStartAfter(at); acquired.IsZero() {
				return fmt.Errorf("no acquisition since the fault")
			}
			return nil
		})
		t.Logf("leader fault %d (%s stopped, %s leads after %v): lock acquired %v after the fault",
			fault, name, next.Self().NodeName, elected.Round(10*time.Millisecond), acquired.Sub(at).Round(10*time.Millisecond))
		if bound := elected + lockDelay + 5*time.Second + slack; acquired.Sub(at) > bound {
			t.Errorf("leader fault %d: lock acquired %v after the fault, beyond election + lock-delay + 5 s (+%v slack) = %v", fault, acquired.Sub(at), slack, bound)
		}

		// Back to three servers, so the second fault leaves a quorum.
		logger := hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Error})
		restarted, err := agent.New(&restartCfg, logger)
		if err != nil {
			t.Fatalf("restart %s: %v", name, err)
		}
		t.Cleanup(func() { restarted.Shutdown() })
		if _, err := restarted.Join([]string{agenttest.LANAddr(rest[0])}); err != nil {
			t.Fatalf("rejoin %s: %v", name, err)
		}
		live = append(rest, restarted)
		rc := agenttest.Client(t, restarted)
		agenttest.WaitFor(t, 30*time.Second, name+" back as a voter that follows the leader", func() error {
			cfg, err := rc.Operator().RaftGetConfiguration(nil)
			if err != nil {
				return err
			}
			voters := 0
			for _, s := range cfg.Servers {
				if s.Voter {
					voters++
				}
			}
			if voters != 3 {
				return fmt.Errorf("%d voters", voters)
			}
			_, _, err = rc.KV().Get("faults/probe", nil)
			return err
		})
	}

	sc := agenttest.Client(t, live[len(live)-1])
	partitionFault(t, partitioned, network, sc, agenttest.Client(t, clientOf[partitioned]), &log, &keeper, lockDelay, slack)

	// A client agent that stops without leaving, the kill -9 case.
	var victim string
	agenttest.WaitFor(t, 20*time.Second, "a holder to stop", func() error {
		if victim = log.holder(); victim == "" {
			return fmt.Errorf("nobody holds the lock right now")
		}
		return nil
	})
	sessions, _, err := sc.Session().Node(victim, nil)
	if err != nil {
		t.Fatal(err)
	}
	clientOf[victim].Shutdown()
	at := time.Now()
	ended := waitSessionsGone(t, sc, sessions, "the stopped node's sessions invalidated")
	acquired := waitAcquiredAfter(t, &log, at, lockDelay+5*time.Second+slack+10*time.Second, "an acquisition after the client fault")
	t.Logf("client fault (%s stopped): sessions invalidated after %v, lock acquired %v after the fault",
		victim, ended.Sub(at).Round(10*time.Millisecond), acquired.Sub(at).Round(10*time.Millisecond))
	if acquired.Before(ended) {
		// Someone acquired before the session ended: only possible if the
		// victim's round had already let go (it released before the stop).
		t.Logf("acquired before the victim's sessions were seen gone: the victim had already released")
	} else if d := acquired.Sub(ended); d > lockDelay+5*time.Second+slack {
		t.Errorf("client fault: lock acquired %v after the session ended, beyond lock-delay + 5 s (+%v slack)", d, slack)
	}

	// A little more contention after the last fault, then the verdict.
	time.Sleep(3 * time.Second)
	hs := log.all()
	sort.Slice(hs, func(i, j int) bool { return hs[i].start.Before(hs[j].start) })
	now := time.Now()
	latest := 0 // the interval, among those before i, that ends last
	for i := 1; i < len(hs); i++ {
		endOf := func(h faultHold) time.Time {
			if h.end.IsZero() {
				return now
			}
			return h.end
		}
		prev := hs[latest]
		if hs[i].start.Before(endOf(prev)) {
			t.Errorf("%s held from %s until %s, %s acquired at %s: overlap %v",
				prev.who, prev.start.Format("15:04:05.000"), endOf(prev).Format("15:04:05.000"),
				hs[i].who, hs[i].start.Format("15:04:05.000"), endOf(prev).Sub(hs[i].start))
		}
		if endOf(hs[i]).After(endOf(prev)) {
			latest = i
		}
	}
	t.Logf("%d hold intervals recorded, none overlapping", len(hs))
}

// portOf is the port of a host:port address.
func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// partitionFault cuts the network of client agent name (its server RPC
// connections and its gossip, through the agenttest.Faults it runs on)
// while its contender holds the lock in keep mode, and checks:
//   - the contender's guard lets go within guardTimeout (+ one pause and
//     slack) of the cut, before anyone else acquires;
//   - the servers invalidate the cut node's sessions (gossip marks it
//     failed, serfHealth goes critical) and the lock is held again within
//     lock-delay + 5 s of that;
//   - api.Lock on the cut agent notices the loss by itself, through the
//     agent's RPC failing, within keepLostLimit; how long after the
//     invalidation is logged: the belief a holder without a guard would
//     have had;
//   - after the heal the node is alive again on both sides and its
//     contender holds the lock again.
func partitionFault(t *testing.T, name string, network *agenttest.Faults, sc, vc *api.Client, log *faultHolds,
	keeper *atomic.Value, lockDelay, slack time.Duration) {
	t.Helper()
	keepFrom := time.Now()
	keeper.Store(name)
	var vi int
	agenttest.WaitFor(t, 60*time.Second, name+" holding the lock until it loses it", func() error {
		if vi = log.openSince(name, keepFrom); vi < 0 {
			return fmt.Errorf("%s does not hold it", name)
		}
		return nil
	})
	network.Cut()
	cutAt := time.Now()
	defer network.Heal()
	// When the cut agent's own gossip gives up on the servers, for the log.
	sawFailed := make(chan time.Time, 1)
	go func() {
		for i := 0; i < 600; i++ {
			if members, err := vc.Agent().Members(false); err == nil {
				for _, m := range members {
					if m.Tags["role"] == "consul" && m.Status == int(lan.StatusFailed) {
						sawFailed <- time.Now()
						return
					}
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if h := log.get(vi); !h.end.IsZero() && h.end.Before(cutAt) {
		t.Fatalf("%s let go at %s, before the cut at %s", name, h.end.Format("15:04:05.000"), cutAt.Format("15:04:05.000"))
	}
	// The servers still have the sessions: invalidation needs gossip's
	// failure detection first.
	sessions, _, err := sc.Session().Node(name, nil)
	if err != nil || len(sessions) == 0 {
		t.Fatalf("%s's sessions: %v, %v", name, sessions, err)
	}
	ended := waitSessionsGone(t, sc, sessions, "the partitioned node's sessions invalidated")
	acquired := waitAcquiredAfter(t, log, cutAt, lockDelay+5*time.Second+slack+10*time.Second, "an acquisition after the partition")
	agenttest.WaitFor(t, keepLostLimit, "api.Lock on the cut-off agent noticing the loss", func() error {
		if log.get(vi).lost.IsZero() {
			return fmt.Errorf("%s's api.Lock still believes it holds the lock", name)
		}
		return nil
	})
	h := log.get(vi)
	select {
	case at := <-sawFailed:
		t.Logf("partition of %s: it saw a server failed %v after the cut", name, at.Sub(cutAt).Round(10*time.Millisecond))
	default:
		t.Logf("partition of %s: it saw no server failed before api.Lock noticed", name)
	}
	t.Logf("partition of %s: its guard let go %v after the cut; sessions invalidated after %v; lock acquired by another %v after the cut; "+
		"api.Lock's own lost channel closed %v after the cut, %v after the invalidation",
		name, h.end.Sub(cutAt).Round(10*time.Millisecond), ended.Sub(cutAt).Round(10*time.Millisecond),
		acquired.Sub(cutAt).Round(10*time.Millisecond), h.lost.Sub(cutAt).Round(10*time.Millisecond),
		h.lost.Sub(ended).Round(10*time.Millisecond))
	if d := h.end.Sub(cutAt); d > guardTimeout+250*time.Millisecond+slack {
		t.Errorf("partition: the cut-off holder's guard let go %v after the cut, beyond %v + 250 ms (+%v slack)", d, guardTimeout, slack)
	}
	if !h.end.Before(acquired) {
		t.Errorf("partition: the lock was acquired at %s while the cut-off holder still held it (until %s)",
			acquired.Format("15:04:05.000"), h.end.Format("15:04:05.000"))
	}
	if d := acquired.Sub(ended); d > lockDelay+5*time.Second+slack {
		t.Errorf("partition: lock acquired %v after the session ended, beyond lock-delay + 5 s (+%v slack)", d, slack)
	}

	keeper.Store("")
	network.Heal()
	healedAt := time.Now()
	agenttest.WaitFor(t, 60*time.Second, name+" alive again on both sides of the healed partition", func() error {
		members, err := sc.Agent().Members(false)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.Name == name && m.Status != int(lan.StatusAlive) {
				return fmt.Errorf("a server sees %s with status %d", name, m.Status)
			}
		}
		members, err = vc.Agent().Members(false)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.Status != int(lan.StatusAlive) && m.Tags["role"] == "consul" {
				return fmt.Errorf("%s sees server %s with status %d", name, m.Name, m.Status)
			}
		}
		return nil
	})
	// A session needs the node's serfHealth passing. The leader sets it
	// on the member's alive event, and its full reconcile (every 60 s)
	// repairs a missed one, so the bound covers one reconcile interval.
	agenttest.WaitFor(t, 100*time.Second, name+"'s contender holding the lock again", func() error {
		for _, h := range log.all() {
			if h.who == name && h.start.After(healedAt) {
				return nil
			}
		}
		serf := "unknown"
		if checks, _, err := sc.Health().Node(name, nil); err == nil {
			for _, c := range checks {
				if c.CheckID == "serfHealth" {
					serf = c.Status
				}
			}
		}
		return fmt.Errorf("%s has not held the lock since the heal (its serfHealth on the servers: %s)", name, serf)
	})
	t.Logf("partition of %s healed: alive again and holding the lock %v after the heal", name, time.Since(healedAt).Round(10*time.Millisecond))
}

// waitSessionsGone waits up to 60 s until a server no longer has any of
// sessions, and returns when it saw that.
func waitSessionsGone(t *testing.T, sc *api.Client, sessions []*api.SessionEntry, what string) time.Time {
	t.Helper()
	var ended time.Time
	agenttest.WaitFor(t, 60*time.Second, what, func() error {
		for _, s := range sessions {
			if e, _, err := sc.Session().Info(s.ID, nil); err != nil || e != nil {
				return fmt.Errorf("session %s still there (%v)", s.ID, err)
			}
		}
		ended = time.Now()
		return nil
	})
	return ended
}

// waitAcquiredAfter waits up to d for an acquisition after at and returns
// its time.
func waitAcquiredAfter(t *testing.T, log *faultHolds, at time.Time, d time.Duration, what string) time.Time {
	t.Helper()
	var acquired time.Time
	agenttest.WaitFor(t, d, what, func() error {
		if acquired = log.firstStartAfter(at); acquired.IsZero() {
			return fmt.Errorf("no acquisition since %s", at.Format("15:04:05.000"))
		}
		return nil
	})
	return acquired
}
