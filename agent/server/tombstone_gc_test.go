package server

import (
	"context"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

// TestReapCommitsOnlyWhenDue: the reaper appends a Raft entry only when a
// tombstone is older than the TTL.
func TestReapCommitsOnlyWhenDue(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	ctx := context.Background()
	put := func(op catalog.KVOp, key string) {
		t.Helper()
		var ok bool
		if err := s.RPC(ctx, catalog.MethodKVApply, &catalog.KVRequest{Op: op, Entry: catalog.KVEntry{Key: key}}, &ok); err != nil {
			t.Fatal(err)
		}
	}
	put(catalog.KVSet, "a")

	g := newTombstoneGC(time.Minute)
	t0 := time.Now()
	s.reapTombstones(g, t0)
	before := s.raft.LastIndex()
	// An hour on, with no tombstone at all: nothing to write.
	s.reapTombstones(g, t0.Add(time.Hour))
	if got := s.raft.LastIndex(); got != before {
		t.Fatalf("a reap with no tombstones appended entries: last index %d -> %d", before, got)
	}

	put(catalog.KVDelete, "a")
	s.reapTombstones(g, t0.Add(time.Hour+time.Second))
	if oldest, _ := s.fsm.State().OldestTombstone(); oldest == 0 {
		t.Fatal("a fresh tombstone was reaped before its TTL")
	}
	s.reapTombstones(g, t0.Add(2*time.Hour))
	if oldest, _ := s.fsm.State().OldestTombstone(); oldest != 0 {
		t.Fatalf("tombstone at %d not reaped after its TTL", oldest)
	}
}
