package state

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// watchWait is how long a watch gets to fire. Commit closes channels
// synchronously, so a fired watch is seen at once; the wait bounds only the
// "does not fire" checks.
const watchWait = 50 * time.Millisecond

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// fired reports whether a channel in ws closed within watchWait.
func fired(ws memdb.WatchSet) bool {
	return !ws.Watch(time.After(watchWait))
}

func mustKVSet(t testing.TB, s *Store, idx uint64, key, value string) {
	t.Helper()
	if err := s.KVSet(idx, &catalog.KVEntry{Key: key, Value: []byte(value)}); err != nil {
		t.Fatalf("KVSet(%d, %q): %v", idx, key, err)
	}
}

func mustRegister(t testing.TB, s *Store, idx uint64, req *catalog.RegisterRequest) {
	t.Helper()
	if err := s.EnsureRegistration(idx, time.Time{}, req); err != nil {
		t.Fatalf("EnsureRegistration(%d, %s): %v", idx, req.Node, err)
	}
}

func regService(node, addr, id, name string, tags ...string) *catalog.RegisterRequest {
	return &catalog.RegisterRequest{
		Node:    node,
		Address: addr,
		Service: &catalog.NodeService{ID: id, Service: name, Tags: tags, Port: 8000},
	}
}

func kvKeys(entries []*catalog.KVEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Key)
	}
	return out
}
