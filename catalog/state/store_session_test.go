package state

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// sessionNode registers node n1 with a passing serfHealth and a passing
// service check "web-alive" on service web.
func sessionNode(t *testing.T, s *Store, idx uint64) {
	t.Helper()
	req := regService("n1", "10.0.0.1", "web", "web")
	req.Checks = catalog.HealthChecks{
		{CheckID: catalog.SerfCheckID, Status: catalog.HealthPassing},
		{CheckID: "web-alive", ServiceID: "web", Status: catalog.HealthPassing},
		{CheckID: "disk", Status: catalog.HealthPassing},
	}
	mustRegister(t, s, idx, req)
}

func mustSession(t *testing.T, s *Store, idx uint64, sess *catalog.Session) {
	t.Helper()
	if err := s.SessionCreate(idx, sess); err != nil {
		t.Fatalf("SessionCreate(%d, %s): %v", idx, sess.ID, err)
	}
}

func mustLock(t *testing.T, s *Store, idx uint64, key, session, value string, want bool) {
	t.Helper()
	ok, err := s.KVLock(idx, &catalog.KVEntry{Key: key, Session: session, Value: []byte(value)})
	if err != nil || ok != want {
		t.Fatalf("KVLock(%d, %q, %s) = %v, %v; want %v", idx, key, session, ok, err, want)
	}
}

func getKey(t *testing.T, s *Store, key string) *catalog.KVEntry {
	t.Helper()
	_, e, err := s.KVGet(nil, key)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSessionCreateValidates(t *testing.T) {
	s := newStore(t)
	sessionNode(t, s, 1)
	mustRegister(t, s, 2, &catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1", SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: "down", Status: catalog.HealthCritical}})
	cases := []struct {
		name string
		sess catalog.Session
	}{
		{"no ID", catalog.Session{Node: "n1"}},
		{"unknown node", catalog.Session{ID: "a", Node: "n9"}},
		{"unknown node check", catalog.Session{ID: "a", Node: "n1", NodeChecks: []string{"nope"}}},
		{"unknown service check", catalog.Session{ID: "a", Node: "n1", ServiceChecks: []catalog.ServiceCheck{{ID: "nope"}}}},
		{"critical check", catalog.Session{ID: "a", Node: "n1", NodeChecks: []string{"down"}}},
		{"bad behavior", catalog.Session{ID: "a", Node: "n1", Behavior: "explode"}},
	}
	for _, tc := range cases {
		if err := s.SessionCreate(3, &tc.sess); !catalog.IsBadRequest(err) {
			t.Errorf("%s: err %v, want a bad request", tc.name, err)
		}
	}
	mustSession(t, s, 4, &catalog.Session{ID: "a", Node: "N1", TTL: "15.0s", NodeChecks: []string{catalog.SerfCheckID},
		ServiceChecks: []catalog.ServiceCheck{{ID: "web-alive"}}})
	if err := s.SessionCreate(5, &catalog.Session{ID: "a", Node: "n1"}); !catalog.IsBadRequest(err) {
		t.Fatalf("duplicate ID: %v", err)
	}
	idx, got, err := s.SessionGet(nil, "a")
	if err != nil || got == nil {
		t.Fatalf("SessionGet: %v %v", got, err)
	}
	if idx != 4 || got.Node != "n1" || got.Behavior != catalog.SessionRelease || got.TTL != "15.0s" ||
		got.CreateIndex != 4 || got.ModifyIndex != 4 {
		t.Fatalf("stored %+v at %d", got, idx)
	}
	if _, list, _ := s.NodeSessions(nil, "n1"); len(list) != 1 {
		t.Fatalf("node sessions %v", list)
	}
	if _, list, _ := s.SessionList(nil); len(list) != 1 {
		t.Fatalf("all sessions %v", list)
	}
}

func TestKVLockAndUnlock(t *testing.T) {
	s := newStore(t)
	sessionNode(t, s, 1)
	mustSession(t, s, 2, &catalog.Session{ID: "s1", Node: "n1"})
	mustSession(t, s, 3, &catalog.Session{ID: "s2", Node: "n1"})

	mustLock(t, s, 4, "k", "s1", "one", true)
	e := getKey(t, s, "k")
	if e.Session != "s1" || e.LockIndex != 1 || e.CreateIndex != 4 || string(e.Value) != "one" {
		t.Fatalf("after acquire %+v", e)
	}
	mustLock(t, s, 5, "k", "s2", "two", false)
	mustLock(t, s, 6, "k", "s1", "again", true)
	if e := getKey(t, s, "k"); e.LockIndex != 1 || string(e.Value) != "again" || e.ModifyIndex != 6 {
		t.Fatalf("re-acquire by the holder %+v", e)
	}
	// A plain set keeps the lock.
	mustKVSet(t, s, 7, "k", "set")
	if e := getKey(t, s, "k"); e.Session != "s1" || e.LockIndex != 1 {
		t.Fatalf("set dropped the lock: %+v", e)
	}
	if ok, err := s.KVUnlock(8, &catalog.KVEntry{Key: "k", Session: "s2"}); ok || err != nil {
		t.Fatalf("unlock by a non-holder: %v %v", ok, err)
	}
	if ok, err := s.KVUnlock(9, &catalog.KVEntry{Key: "k", Session: "s1", Value: []byte("free")}); !ok || err != nil {
		t.Fatalf("unlock by the holder: %v %v", ok, err)
	}
	if e := getKey(t, s, "k"); e.Session != "" || e.LockIndex != 1 || e.ModifyIndex != 9 || string(e.Value) != "free" {
		t.Fatalf("after release %+v", e)
	}
	mustLock(t, s, 10, "k", "s2", "two", true)
	if e := getKey(t, s, "k"); e.Session != "s2" || e.LockIndex != 2 {
		t.Fatalf("new holder %+v", e)
	}
	if _, err := s.KVLock(11, &catalog.KVEntry{Key: "k2", Session: "ghost"}); err == nil || err.Error() != `invalid session "ghost"` {
		t.Fatalf("unknown session: %v", err)
	}
}

func TestSessionDestroyReleasesWithLockDelay(t *testing.T) {
	s := newStore(t)
	sessionNode(t, s, 1)
	mustSession(t, s, 2, &catalog.Session{ID: "s1", Node: "n1", LockDelay: 15 * time.Second})
	mustLock(t, s, 3, "a", "s1", "x", true)
	mustLock(t, s, 4, "b", "s1", "y", true)
	mustKVSet(t, s, 5, "c", "free")
	now := time.Unix(1000, 0)
	if err := s.SessionDestroy(6, now, "s1"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "b"} {
		e := getKey(t, s, key)
		if e == nil || e.Session != "" || e.LockIndex != 1 || e.ModifyIndex != 6 {
			t.Fatalf("%s after destroy: %+v", key, e)
		}
		if got := s.KVLockDelay(key); !got.Equal(now.Add(15 * time.Second)) {
			t.Fatalf("%s lock delay %v", key, got)
		}
	}
	if e := getKey(t, s, "c"); e.ModifyIndex != 5 {
		t.Fatalf("an unlocked key moved: %+v", e)
	}
	if !s.KVLockDelay("c").IsZero() {
		t.Fatal("an unlocked key got a lock delay")
	}
	if _, got, _ := s.SessionGet(nil, "s1"); got != nil {
		t.Fatalf("session survived: %+v", got)
	}
	// Destroying again, or an unknown session, changes nothing.
	if err := s.SessionDestroy(7, now, "s1"); err != nil || s.LastIndex() != 6 {
		t.Fatalf("second destroy: %v, index %d", err, s.LastIndex())
	}
	// A later invalidation purges delays that have ended.
	mustSession(t, s, 8, &catalog.Session{ID: "s2", Node: "n1", LockDelay: time.Second})
	mustLock(t, s, 9, "d", "s2", "", true)
	if err := s.SessionDestroy(10, now.Add(time.Minute), "s2"); err != nil {
		t.Fatal(err)
	}
	if !s.KVLockDelay("a").IsZero() || s.KVLockDelay("d").IsZero() {
		t.Fatalf("purge: a %v d %v", s.KVLockDelay("a"), s.KVLockDelay("d"))
	}
}

func TestSessionBehaviorDeleteRemovesKeys(t *testing.T) {
	s := newStore(t)
	sessionNode(t, s, 1)
	mustSession(t, s, 2, &catalog.Session{ID: "s1", Node: "n1", Behavior: catalog.SessionDelete})
	mustLock(t, s, 3, "svc/leader", "s1", "me", true)
	if err := s.SessionDestroy(4, time.Unix(0, 0), "s1"); err != nil {
		t.Fatal(err)
	}
	if e := getKey(t, s, "svc/leader"); e != nil {
		t.Fatalf("key survived: %+v", e)
	}
	if idx, _, _ := s.KVGet(nil, "svc/leader"); idx != 4 {
		t.Fatalf("tombstone index %d, want 4", idx)
	}
}

func TestSessionInvalidation(t *testing.T) {
	cases := []struct {
		name    string
		sess    catalog.Session
		act     func(s *Store, now time.Time) error
		survive bool
	}{
		{"serfHealth critical", catalog.Session{NodeChecks: []string{catalog.SerfCheckID}}, func(s *Store, now time.Time) error {
			return s.EnsureRegistration(10, now, &catalog.RegisterRequest{Node: "n1", SkipNodeUpdate: true,
				Check: &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Status: catalog.HealthCritical}})
		}, false},
		{"service check critical", catalog.Session{ServiceChecks: []catalog.ServiceCheck{{ID: "web-alive"}}}, func(s *Store, now time.Time) error {
			return s.EnsureRegistration(10, now, &catalog.RegisterRequest{Node: "n1", SkipNodeUpdate: true,
				Check: &catalog.HealthCheck{CheckID: "web-alive", ServiceID: "web", Status: catalog.HealthCritical}})
		}, false},
		{"other check critical", catalog.Session{NodeChecks: []string{catalog.SerfCheckID}}, func(s *Store, now time.Time) error {
			return s.EnsureRegistration(10, now, &catalog.RegisterRequest{Node: "n1", SkipNodeUpdate: true,
				Check: &catalog.HealthCheck{CheckID: "disk", Status: catalog.HealthCritical}})
		}, true},
		{"check warning", catalog.Session{NodeChecks: []string{"disk"}}, func(s *Store, now time.Time) error {
			return s.EnsureRegistration(10, now, &catalog.RegisterRequest{Node: "n1", SkipNodeUpdate: true,
				Check: &catalog.HealthCheck{CheckID: "disk", Status: catalog.HealthWarning}})
		}, true},
		{"check deleted", catalog.Session{NodeChecks: []string{"disk"}}, func(s *Store, now time.Time) error {
			return s.DeleteCheck(10, now, "n1", "disk")
		}, false},
		{"service deleted", catalog.Session{ServiceChecks: []catalog.ServiceCheck{{ID: "web-alive"}}}, func(s *Store, now time.Time) error {
			return s.DeleteService(10, now, "n1", "web")
		}, false},
		{"node deleted", catalog.Session{}, func(s *Store, now time.Time) error {
			return s.DeleteNode(10, now, "n1")
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			sessionNode(t, s, 1)
			sess := tc.sess
			sess.ID, sess.Node, sess.LockDelay = "s1", "n1", time.Second
			mustSession(t, s, 2, &sess)
			mustLock(t, s, 3, "lock", "s1", "held", true)
			now := time.Unix(5000, 0)
			if err := tc.act(s, now); err != nil {
				t.Fatal(err)
			}
			_, got, _ := s.SessionGet(nil, "s1")
			e := getKey(t, s, "lock")
			if tc.survive {
				if got == nil || e.Session != "s1" {
					t.Fatalf("session %+v, key %+v: want both kept", got, e)
				}
				return
			}
			if got != nil || e.Session != "" || e.ModifyIndex != 10 {
				t.Fatalf("session %+v, key %+v: want the session gone and the key released at 10", got, e)
			}
			if d := s.KVLockDelay("lock"); !d.Equal(now.Add(time.Second)) {
				t.Fatalf("lock delay %v", d)
			}
		})
	}
}

func TestSessionReadsWatch(t *testing.T) {
	s := newStore(t)
	sessionNode(t, s, 1)
	ws := memdb.NewWatchSet()
	if _, got, _ := s.SessionGet(ws, "s1"); got != nil {
		t.Fatal("found a session before creating it")
	}
	mustSession(t, s, 2, &catalog.Session{ID: "s1", Node: "n1"})
	if !fired(ws) {
		t.Fatal("creating the session did not wake its reader")
	}
	ws = memdb.NewWatchSet()
	if _, list, _ := s.NodeSessions(ws, "n1"); len(list) != 1 {
		t.Fatal(list)
	}
	if err := s.SessionDestroy(3, time.Unix(0, 0), "s1"); err != nil {
		t.Fatal(err)
	}
	if !fired(ws) {
		t.Fatal("destroying the session did not wake the node's reader")
	}
}
