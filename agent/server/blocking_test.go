package server

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-uuid"
	"github.com/hashicorp/raft"
)

// TestConsistentBlockingQueryVerifiesEachRun parks a ?consistent blocking
// query on a leader that then loses its lease: a voter it cannot reach is
// added, so it no longer hears from a quorum and steps down. When the
// query's wait runs out it must not answer from the deposed server's
// state as if it were still the leader: the leadership check that came
// before the wait proves nothing about the state at the end of it.
func TestConsistentBlockingQueryVerifiesEachRun(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	select {
	case <-s.ready.wait():
	case <-time.After(10 * time.Second):
		t.Fatal("the leader did not become ready")
	}

	q := &catalog.QueryOptions{RequireConsistent: true, MinQueryIndex: 1 << 40, MaxQueryTime: 3 * time.Second}
	var meta catalog.QueryMeta
	done := make(chan error, 1)
	go func() {
		done <- s.blockingQuery(context.Background(), q, &meta, func(ws memdb.WatchSet, st *state.Store) error {
			idx, _, err := st.KVGet(ws, "k")
			meta.Index = idx
			return err
		})
	}()
	// Let the query pass its first leadership check and park.
	time.Sleep(300 * time.Millisecond)
	ghostID, _ := uuid.GenerateUUID()
	ghost := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 97), Port: 8300}
	s.raft.AddVoter(raft.ServerID(ghostID), raft.ServerAddress(ghost.String()), 0, 0)
	waitUntil(t, 10*time.Second, "the leader to step down on its lease", func() bool { return !s.IsLeader() })

	select {
	case err := <-done:
		if !errors.Is(err, errNotLeader) {
			t.Fatalf("a deposed leader answered a consistent query: err %v, meta %+v", err, meta)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the blocking query did not return")
	}
}
