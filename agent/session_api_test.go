package agent_test

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for i := 0; i < 100000 && !cond(); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startSessionAgent starts a dev agent whose node is in the catalog with
// a passing serfHealth, which a default session needs. Session TTLs may
// be as short as 100 ms there.
func startSessionAgent(t *testing.T) *api.Client {
	t.Helper()
	return startSessionAgentTB(t)
}

func startSessionAgentTB(t testing.TB) *api.Client {
	t.Helper()
	_, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.SessionTTLMin = 100 * time.Millisecond
	})
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 1000; i++ {
		checks, _, err := c.Health().Node("dev", nil)
		if err != nil {
			checks = nil
		}
		for _, hc := range checks {
			if hc.CheckID == "serfHealth" && hc.Status == api.HealthPassing {
				return c
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the dev node's serfHealth did not appear within 10s")
	return nil
}

func TestSessionLifecycleThroughConsulAPI(t *testing.T) {
	c := startSessionAgent(t)
	s := c.Session()

	id1, _, err := s.Create(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := s.Info(id1, nil)
	if err != nil || e == nil {
		t.Fatalf("Info: %v %v", e, err)
	}
	if e.Node != "dev" || len(e.NodeChecks) != 1 || e.NodeChecks[0] != "serfHealth" || e.LockDelay != 15*time.Second ||
		e.Behavior != api.SessionBehaviorRelease || e.TTL != "" || e.CreateIndex == 0 {
		t.Fatalf("defaults: %+v", e)
	}

	// Patroni's TTL comes back exactly as sent.
	id2, _, err := s.CreateNoChecks(&api.SessionEntry{Name: "patroni", TTL: "15.0s", LockDelay: time.Second, Behavior: "delete"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ = s.Info(id2, nil)
	if e == nil || e.TTL != "15.0s" || len(e.NodeChecks) != 0 || e.LockDelay != time.Second || e.Behavior != "delete" || e.Name != "patroni" {
		t.Fatalf("no-checks session: %+v", e)
	}

	list, meta, err := s.List(nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %v %v", list, err)
	}
	byNode, _, err := s.Node("dev", nil)
	if err != nil || len(byNode) != 2 {
		t.Fatalf("Node: %v %v", byNode, err)
	}
	if none, _, err := s.Node("elsewhere", nil); err != nil || len(none) != 0 {
		t.Fatalf("Node(elsewhere): %v %v", none, err)
	}

	renewed, _, err := s.Renew(id2, nil)
	if err != nil || renewed == nil || renewed.ID != id2 {
		t.Fatalf("Renew: %+v %v", renewed, err)
	}

	// A blocking list wakes when a session goes.
	woke := make(chan int, 1)
	go func() {
		l, _, _ := s.List(&api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 5 * time.Second})
		woke <- len(l)
	}()
	time.Sleep(100 * time.Millisecond)
	if _, err := s.Destroy(id1, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-woke:
		if n != 1 {
			t.Fatalf("woken list has %d sessions", n)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("blocking list did not wake on destroy")
	}
	if e, _, err := s.Info(id1, nil); err != nil || e != nil {
		t.Fatalf("Info after destroy: %+v %v", e, err)
	}
	if e, _, err := s.Renew(id1, nil); err != nil || e != nil {
		t.Fatalf("Renew of a destroyed session: %+v %v", e, err)
	}
	// Destroying again is fine.
	if _, err := s.Destroy(id1, nil); err != nil {
		t.Fatal(err)
	}

	// Refusals.
	if _, _, err := s.Create(&api.SessionEntry{TTL: "50ms"}, nil); err == nil || !strings.Contains(err.Error(), "500") ||
		!strings.Contains(err.Error(), "Invalid Session TTL") {
		t.Fatalf("TTL below the minimum: %v", err)
	}
	for _, bad := range []*api.SessionEntry{
		{Node: "ghost"},
		{Checks: []string{"no-such-check"}},
		{Behavior: "explode"},
		{TTL: "soon"},
	} {
		if _, _, err := s.Create(bad, nil); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("Create(%+v): %v, want a 400", bad, err)
		}
	}
}

func TestSessionCreateRefusesGET(t *testing.T) {
	_, addr, _ := agenttest.StartDev(t)
	for _, path := range []string{"/v1/session/create", "/v1/session/destroy/x", "/v1/session/renew/x"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

func TestKVAcquireReleaseThroughConsulAPI(t *testing.T) {
	c := startSessionAgent(t)
	kv := c.KV()
	s1, _, err := c.Session().Create(&api.SessionEntry{LockDelay: 300 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := c.Session().Create(&api.SessionEntry{LockDelay: 300 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	acquire := func(session, value string) bool {
		t.Helper()
		ok, _, err := kv.Acquire(&api.KVPair{Key: "svc/leader", Value: []byte(value), Session: session}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !acquire(s1, "one") || acquire(s2, "two") {
		t.Fatal("first acquire must win and the second lose")
	}
	p, _, _ := kv.Get("svc/leader", nil)
	if p == nil || p.Session != s1 || p.LockIndex != 1 || string(p.Value) != "one" {
		t.Fatalf("held entry %+v", p)
	}
	if !acquire(s1, "again") {
		t.Fatal("the holder acquiring again must succeed")
	}
	if p, _, _ = kv.Get("svc/leader", nil); p.LockIndex != 1 || string(p.Value) != "again" {
		t.Fatalf("re-acquired entry %+v", p)
	}
	if ok, _, _ := kv.Release(&api.KVPair{Key: "svc/leader", Session: s2}, nil); ok {
		t.Fatal("a non-holder released the lock")
	}
	if ok, _, _ := kv.Release(&api.KVPair{Key: "svc/leader", Session: s1, Value: []byte("free")}, nil); !ok {
		t.Fatal("the holder could not release")
	}
	if p, _, _ = kv.Get("svc/leader", nil); p.Session != "" || p.LockIndex != 1 {
		t.Fatalf("released entry %+v", p)
	}
	if !acquire(s2, "two") {
		t.Fatal("a released lock must be acquirable")
	}
	if p, _, _ = kv.Get("svc/leader", nil); p.LockIndex != 2 || p.Session != s2 {
		t.Fatalf("second holder's entry %+v", p)
	}

	// Destroying the holder releases the key and starts the lock-delay.
	if _, err := c.Session().Destroy(s2, nil); err != nil {
		t.Fatal(err)
	}
	if p, _, _ = kv.Get("svc/leader", nil); p == nil || p.Session != "" || p.LockIndex != 2 {
		t.Fatalf("after destroy %+v", p)
	}
	if acquire(s1, "early") {
		t.Fatal("acquired during the lock-delay")
	}
	waitFor(t, 3*time.Second, "acquire after the lock-delay", func() bool { return acquire(s1, "late") })

	// An unknown session is refused with Consul's wording.
	_, _, err = kv.Acquire(&api.KVPair{Key: "other", Session: "00000000-0000-0000-0000-000000000000"}, nil)
	if err == nil || !strings.Contains(err.Error(), "invalid session") {
		t.Fatalf("unknown session: %v", err)
	}

	// Behavior delete removes the key with the session.
	s3, _, err := c.Session().Create(&api.SessionEntry{Behavior: api.SessionBehaviorDelete, LockDelay: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := kv.Acquire(&api.KVPair{Key: "ephemeral", Session: s3}, nil); !ok || err != nil {
		t.Fatalf("acquire ephemeral: %v %v", ok, err)
	}
	if _, err := c.Session().Destroy(s3, nil); err != nil {
		t.Fatal(err)
	}
	if p, _, _ := kv.Get("ephemeral", nil); p != nil {
		t.Fatalf("behavior delete left %+v", p)
	}

	// Transactions lock, check and unlock through the same store code.
	ops := api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVLock, Key: "txn/lock", Value: []byte("x"), Session: s1}},
		{KV: &api.KVTxnOp{Verb: api.KVCheckSession, Key: "txn/lock", Session: s1}},
		{KV: &api.KVTxnOp{Verb: api.KVCheckNotExists, Key: "txn/none"}},
	}
	ok, resp, _, err := c.Txn().Txn(ops, nil)
	if err != nil || !ok || len(resp.Results) != 2 || resp.Results[0].KV.Session != s1 {
		t.Fatalf("txn lock: ok=%v resp=%+v err=%v", ok, resp, err)
	}
	ok, resp, _, err = c.Txn().Txn(api.TxnOps{{KV: &api.KVTxnOp{Verb: api.KVUnlock, Key: "txn/lock", Session: "nope"}}}, nil)
	if err != nil || ok || len(resp.Errors) != 1 {
		t.Fatalf("txn unlock by a non-holder: ok=%v resp=%+v err=%v", ok, resp, err)
	}
	ok, _, _, err = c.Txn().Txn(api.TxnOps{{KV: &api.KVTxnOp{Verb: api.KVUnlock, Key: "txn/lock", Session: s1}}}, nil)
	if err != nil || !ok {
		t.Fatalf("txn unlock: %v %v", ok, err)
	}
}

func TestSessionTTLExpiresAndRenewKeepsIt(t *testing.T) {
	c := startSessionAgent(t)
	s := c.Session()
	kept, _, err := s.Create(&api.SessionEntry{TTL: "200ms"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lapsing, _, err := s.Create(&api.SessionEntry{TTL: "200ms", Behavior: api.SessionBehaviorDelete}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := c.KV().Acquire(&api.KVPair{Key: "ttl/lock", Session: lapsing}, nil); !ok || err != nil {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	start := time.Now()
	// Renew one every 100 ms; the other lapses after TTL * 2 (400 ms).
	for time.Since(start) < 1200*time.Millisecond {
		if e, _, err := s.Renew(kept, nil); err != nil || e == nil {
			t.Fatalf("renew: %v %v", e, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if e, _, _ := s.Info(kept, nil); e == nil {
		t.Fatal("a renewed session expired")
	}
	e, _, _ := s.Info(lapsing, nil)
	if e != nil {
		t.Fatalf("a session not renewed survived: %+v", e)
	}
	if p, _, _ := c.KV().Get("ttl/lock", nil); p != nil {
		t.Fatalf("an expired delete-session left its key: %+v", p)
	}
	if e, _, err := s.Renew(lapsing, nil); err != nil || e != nil {
		t.Fatalf("renew of an expired session: %+v %v", e, err)
	}
}

func TestSessionEndsWhenItsCheckFails(t *testing.T) {
	c := startSessionAgent(t)
	agent := c.Agent()
	if err := agent.CheckRegister(&api.AgentCheckRegistration{ID: "app", Name: "app",
		AgentServiceCheck: api.AgentServiceCheck{TTL: "1h", Status: api.HealthPassing}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the check in the catalog", func() bool {
		checks, _, _ := c.Health().Node("dev", nil)
		for _, hc := range checks {
			if hc.CheckID == "app" && hc.Status == api.HealthPassing {
				return true
			}
		}
		return false
	})
	id, _, err := c.Session().Create(&api.SessionEntry{NodeChecks: []string{"serfHealth", "app"}, LockDelay: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := c.KV().Acquire(&api.KVPair{Key: "app/leader", Session: id}, nil); !ok || err != nil {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	if err := agent.FailTTL("app", "down"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the session to end with its check", func() bool {
		e, _, err := c.Session().Info(id, nil)
		return err == nil && e == nil
	})
	p, _, _ := c.KV().Get("app/leader", nil)
	if p == nil || p.Session != "" {
		t.Fatalf("the lock was not released: %+v", p)
	}
	// A session cannot be tied to a critical check.
	if _, _, err := c.Session().Create(&api.SessionEntry{NodeChecks: []string{"app"}}, nil); err == nil {
		t.Fatal("created a session on a critical check")
	}
}

// Two api.Lock holders on one key in one process: exactly one holds it at
// a time; Unlock hands it over; destroying the holder's session closes its
// lost-lock channel and the other gets it after the lock-delay.
func TestAPILockHandOver(t *testing.T) {
	c := startSessionAgent(t)
	newLock := func() *api.Lock {
		l, err := c.LockOpts(&api.LockOptions{Key: "service/web/leader",
			SessionOpts:  &api.SessionEntry{TTL: "10s", LockDelay: 200 * time.Millisecond},
			LockWaitTime: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	var holders atomic.Int32
	hold := func() {
		if n := holders.Add(1); n > 1 {
			t.Errorf("%d holders at once", n)
		}
	}
	a, b := newLock(), newLock()
	lostA, err := a.Lock(nil)
	if err != nil || lostA == nil {
		t.Fatalf("a.Lock: %v", err)
	}
	hold()

	stopB := make(chan struct{})
	defer close(stopB)
	gotB := make(chan (<-chan struct{}), 1)
	go func() {
		lost, err := b.Lock(stopB)
		if err != nil {
			t.Errorf("b.Lock: %v", err)
		}
		gotB <- lost
	}()
	select {
	case <-gotB:
		t.Fatal("b acquired while a holds the lock")
	case <-time.After(700 * time.Millisecond):
	}

	holders.Add(-1)
	released := time.Now()
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	var lostB <-chan struct{}
	select {
	case lostB = <-gotB:
		hold()
		t.Logf("hand-over after Unlock: %v", time.Since(released))
	case <-time.After(5 * time.Second):
		t.Fatal("b did not acquire after a's unlock")
	}

	// a waits again; destroying b's session takes the lock from b.
	stopA := make(chan struct{})
	defer close(stopA)
	gotA := make(chan (<-chan struct{}), 1)
	go func() {
		lost, err := a.Lock(stopA)
		if err != nil {
			t.Errorf("a.Lock again: %v", err)
		}
		gotA <- lost
	}()
	time.Sleep(200 * time.Millisecond)
	p, _, err := c.KV().Get("service/web/leader", nil)
	if err != nil || p == nil || p.Session == "" {
		t.Fatalf("lock entry %+v %v", p, err)
	}
	destroyed := time.Now()
	if _, err := c.Session().Destroy(p.Session, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lostB:
		holders.Add(-1)
	case <-time.After(5 * time.Second):
		t.Fatal("b's lost-lock channel did not close")
	}
	select {
	case <-gotA:
		hold()
		waited := time.Since(destroyed)
		t.Logf("re-acquired %v after the holder's session was destroyed", waited)
		if waited < 200*time.Millisecond {
			t.Fatalf("a acquired after %v, inside the 200ms lock-delay", waited)
		}
	case <-time.After(10 * time.Second):
		// api.Lock retries a refused acquisition after
		// DefaultLockRetryTime (5 s), whatever the lock-delay.
		t.Fatal("a did not acquire after b's session ended")
	}
	holders.Add(-1)
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestAPISemaphoreAdmitsTwo(t *testing.T) {
	c := startSessionAgent(t)
	var mu sync.Mutex
	holding, maxHolding := 0, 0
	sems := make([]*api.Semaphore, 3)
	acquired := make(chan int, 3)
	stop := make(chan struct{})
	defer close(stop)
	for i := range sems {
		sem, err := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: "service/batch/", Limit: 2,
			SemaphoreWaitTime: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		sems[i] = sem
		go func(i int) {
			if _, err := sem.Acquire(stop); err != nil {
				t.Errorf("contender %d: %v", i, err)
				return
			}
			mu.Lock()
			holding++
			maxHolding = max(maxHolding, holding)
			mu.Unlock()
			acquired <- i
		}(i)
	}
	first := map[int]bool{}
	for len(first) < 2 {
		select {
		case i := <-acquired:
			first[i] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of 2 slots taken", len(first))
		}
	}
	select {
	case i := <-acquired:
		t.Fatalf("a third contender (%d) got in", i)
	case <-time.After(700 * time.Millisecond):
	}
	var leaving int
	for i := range first {
		leaving = i
		break
	}
	mu.Lock()
	holding--
	mu.Unlock()
	if err := sems[leaving].Release(); err != nil {
		t.Fatal(err)
	}
	select {
	case i := <-acquired:
		if first[i] {
			t.Fatalf("contender %d acquired twice", i)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the third contender did not get the freed slot")
	}
	mu.Lock()
	defer mu.Unlock()
	if maxHolding > 2 {
		t.Fatalf("%d held the semaphore at once", maxHolding)
	}
}
