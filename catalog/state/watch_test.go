package state

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

func TestKVWatches(t *testing.T) {
	seed := func(t *testing.T) *Store {
		s := newStore(t)
		mustKVSet(t, s, 1, "app/config/db", "x")
		mustKVSet(t, s, 2, "app/config/web", "x")
		mustKVSet(t, s, 3, "other/key", "x")
		return s
	}
	type read func(s *Store, ws memdb.WatchSet)
	getKey := func(s *Store, ws memdb.WatchSet) { _, _, _ = s.KVGet(ws, "app/config/db") }
	list := func(s *Store, ws memdb.WatchSet) { _, _, _ = s.KVList(ws, "app/config/") }
	keys := func(s *Store, ws memdb.WatchSet) { _, _, _ = s.KVKeys(ws, "app/", "/") }

	cases := []struct {
		name  string
		read  read
		write func(s *Store) error
		fire  bool
	}{
		{"get: same key set", getKey, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "app/config/db"}) }, true},
		{"get: same key deleted", getKey, func(s *Store) error { return s.KVDelete(10, "app/config/db") }, true},
		{"get: sibling key set", getKey, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "app/config/web"}) }, false},
		{"get: other prefix set", getKey, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "other/key"}) }, false},
		{"list: new key under prefix", list, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "app/config/cache"}) }, true},
		{"list: key under prefix deleted", list, func(s *Store) error { return s.KVDelete(10, "app/config/web") }, true},
		{"list: other prefix set", list, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "other/key"}) }, false},
		{"list: other prefix deleted", list, func(s *Store) error { return s.KVDelete(10, "other/key") }, false},
		{"list: tombstones reaped elsewhere", list, func(s *Store) error {
			if err := s.KVDelete(10, "other/key"); err != nil {
				return err
			}
			return s.ReapTombstones(10)
		}, false},
		{"keys: nested key set", keys, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "app/config/db"}) }, true},
		{"keys: other prefix set", keys, func(s *Store) error { return s.KVSet(10, &catalog.KVEntry{Key: "other/new"}) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := seed(t)
			ws := memdb.NewWatchSet()
			tc.read(s, ws)
			if err := tc.write(s); err != nil {
				t.Fatal(err)
			}
			if got := fired(ws); got != tc.fire {
				t.Fatalf("watch fired = %v, want %v", got, tc.fire)
			}
		})
	}
}

func TestCatalogWatches(t *testing.T) {
	seed := func(t *testing.T) *Store {
		s := newStore(t)
		mustRegister(t, s, 1, regService("n1", "10.0.0.1", "web1", "web"))
		mustRegister(t, s, 2, regService("n2", "10.0.0.2", "db1", "db"))
		// Every node has a check so that a per-node check watch is the
		// node's own radix subtree, not an ancestor shared with others.
		for i, n := range []string{"n1", "n2"} {
			mustRegister(t, s, uint64(3+i), &catalog.RegisterRequest{Node: n, SkipNodeUpdate: true,
				Check: &catalog.HealthCheck{CheckID: "base", Status: catalog.HealthPassing}})
		}
		return s
	}
	serviceNodes := func(s *Store, ws memdb.WatchSet) { _, _, _ = s.ServiceNodes(ws, "web", nil) }
	cases := []struct {
		name  string
		read  func(s *Store, ws memdb.WatchSet)
		write func(s *Store) error
		fire  bool
	}{
		{"service nodes: new instance", serviceNodes, func(s *Store) error {
			return s.EnsureRegistration(10, time.Time{}, regService("n2", "10.0.0.2", "web2", "web"))
		}, true},
		{"service nodes: node address change", serviceNodes, func(s *Store) error {
			return s.EnsureNode(10, time.Time{}, &catalog.Node{Node: "n1", Address: "10.9.9.9"})
		}, true},
		{"service nodes: other service", serviceNodes, func(s *Store) error {
			return s.EnsureRegistration(10, time.Time{}, regService("n2", "10.0.0.2", "db2", "db"))
		}, false},
		{"service nodes: unrelated node", serviceNodes, func(s *Store) error {
			return s.EnsureNode(10, time.Time{}, &catalog.Node{Node: "n2", Address: "10.9.9.9"})
		}, false},
		{"node services: own service removed", func(s *Store, ws memdb.WatchSet) { _, _, _ = s.NodeServices(ws, "n1") },
			func(s *Store) error { return s.DeleteService(10, time.Time{}, "n1", "web1") }, true},
		{"node checks: other node's check", func(s *Store, ws memdb.WatchSet) { _, _, _ = s.NodeChecks(ws, "n1") },
			func(s *Store) error {
				return s.EnsureRegistration(10, time.Time{}, &catalog.RegisterRequest{Node: "n2", Address: "10.0.0.2",
					Check: &catalog.HealthCheck{CheckID: "c", Status: catalog.HealthPassing}})
			}, false},
		{"nodes: any node change", func(s *Store, ws memdb.WatchSet) { _, _, _ = s.Nodes(ws) },
			func(s *Store) error { return s.EnsureNode(10, time.Time{}, &catalog.Node{Node: "n3"}) }, true},
		{"nodes: re-registration without change", func(s *Store, ws memdb.WatchSet) { _, _, _ = s.Nodes(ws) },
			func(s *Store) error {
				return s.EnsureRegistration(10, time.Time{}, regService("n1", "10.0.0.1", "web1", "web"))
			}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := seed(t)
			ws := memdb.NewWatchSet()
			tc.read(s, ws)
			if err := tc.write(s); err != nil {
				t.Fatal(err)
			}
			if got := fired(ws); got != tc.fire {
				t.Fatalf("watch fired = %v, want %v", got, tc.fire)
			}
		})
	}
}

func TestAbandon(t *testing.T) {
	s := newStore(t)
	select {
	case <-s.AbandonCh():
		t.Fatal("abandoned before Abandon")
	default:
	}
	s.Abandon()
	s.Abandon()
	select {
	case <-s.AbandonCh():
	default:
		t.Fatal("AbandonCh open after Abandon")
	}
}
