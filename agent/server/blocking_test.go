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

// TestBlockingQueryChecksLeadershipEachRun parks a ?consistent and a
// default-mode blocking query on a leader that then loses its lease: a
// voter it cannot reach is added, so it no longer hears from a quorum and
// steps down. When the queries' wait runs out they must not answer from
// the deposed server's state as if it were still the leader: the
// leadership check that came before the wait proves nothing about the
// state at the end of it. A ?stale query still answers.
func TestBlockingQueryChecksLeadershipEachRun(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	select {
	case <-s.ready.wait():
	case <-time.After(10 * time.Second):
		t.Fatal("the leader did not become ready")
	}

	type outcome struct {
		mode string
		err  error
		meta catalog.QueryMeta
	}
	done := make(chan outcome, 3)
	for mode, q := range map[string]*catalog.QueryOptions{
		"consistent": {RequireConsistent: true},
		"default":    {},
		"stale":      {AllowStale: true},
	} {
		q.MinQueryIndex, q.MaxQueryTime = 1<<40, 3*time.Second
		go func() {
			var meta catalog.QueryMeta
			err := s.blockingQuery(context.Background(), q, &meta, func(ws memdb.WatchSet, st *state.Store) error {
				idx, _, err := st.KVGet(ws, "k")
				meta.Index = idx
				return err
			})
			done <- outcome{mode, err, meta}
		}()
	}
	// Let the queries pass their first leadership check and park.
	time.Sleep(300 * time.Millisecond)
	ghostID, _ := uuid.GenerateUUID()
	ghost := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 97), Port: 8300}
	s.raft.AddVoter(raft.ServerID(ghostID), raft.ServerAddress(ghost.String()), 0, 0)
	waitUntil(t, 10*time.Second, "the leader to step down on its lease", func() bool { return !s.IsLeader() })

	for i := 0; i < 3; i++ {
		select {
		case o := <-done:
			if o.mode == "stale" {
				if o.err != nil {
					t.Errorf("stale query on a follower: %v", o.err)
				}
			} else if !errors.Is(o.err, errNotLeader) {
				t.Errorf("a deposed leader answered a %s query: err %v, meta %+v", o.mode, o.err, o.meta)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the blocking queries did not return")
		}
	}
}
