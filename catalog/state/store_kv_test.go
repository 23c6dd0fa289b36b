package state

import (
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

func TestKVSetKeepsCreateIndex(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 3, "k", "one")
	mustKVSet(t, s, 7, "k", "two")
	idx, e, err := s.KVGet(nil, "k")
	if err != nil {
		t.Fatal(err)
	}
	if idx != 7 || e.CreateIndex != 3 || e.ModifyIndex != 7 || string(e.Value) != "two" {
		t.Fatalf("got idx %d entry %+v", idx, e)
	}
	if err := s.KVSet(8, &catalog.KVEntry{}); err == nil {
		t.Fatal("empty key accepted")
	}
	if s.LastIndex() != 7 {
		t.Fatalf("rejected write moved LastIndex to %d", s.LastIndex())
	}
}

func TestKVSetCAS(t *testing.T) {
	cases := []struct {
		name      string
		existing  bool // "k" written at index 5 first
		cas       uint64
		wantOK    bool
		wantValue string
	}{
		{"create when absent", false, 0, true, "new"},
		{"create refused when present", true, 0, false, "old"},
		{"stale index refused", true, 4, false, "old"},
		{"matching index", true, 5, true, "new"},
		{"index on absent key refused", false, 5, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if tc.existing {
				mustKVSet(t, s, 5, "k", "old")
			}
			ok, err := s.KVSetCAS(9, &catalog.KVEntry{Key: "k", Value: []byte("new"), ModifyIndex: tc.cas})
			if err != nil || ok != tc.wantOK {
				t.Fatalf("KVSetCAS = %v, %v; want %v", ok, err, tc.wantOK)
			}
			_, e, _ := s.KVGet(nil, "k")
			got := ""
			if e != nil {
				got = string(e.Value)
			}
			if got != tc.wantValue {
				t.Fatalf("value %q, want %q", got, tc.wantValue)
			}
		})
	}
}

func TestKVDeleteCAS(t *testing.T) {
	cases := []struct {
		name     string
		existing bool
		cas      uint64
		wantOK   bool
		wantGone bool
	}{
		{"matching index deletes", true, 5, true, true},
		{"stale index refused", true, 4, false, false},
		{"zero index refused on present key", true, 0, false, false},
		{"absent key counts as deleted", false, 5, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if tc.existing {
				mustKVSet(t, s, 5, "k", "v")
			}
			ok, err := s.KVDeleteCAS(9, tc.cas, "k")
			if err != nil || ok != tc.wantOK {
				t.Fatalf("KVDeleteCAS = %v, %v; want %v", ok, err, tc.wantOK)
			}
			_, e, _ := s.KVGet(nil, "k")
			if (e == nil) != tc.wantGone {
				t.Fatalf("entry %+v, want gone=%v", e, tc.wantGone)
			}
		})
	}
}

func TestKVDeleteMissingIsNoop(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 4, "k", "v")
	if err := s.KVDelete(9, "missing"); err != nil {
		t.Fatal(err)
	}
	if err := s.KVDeleteTree(10, "nothing/"); err != nil {
		t.Fatal(err)
	}
	if got := s.LastIndex(); got != 4 {
		t.Fatalf("LastIndex %d after no-op deletes, want 4", got)
	}
	if idx, _, _ := s.KVGet(nil, "missing"); idx != 1 {
		t.Fatalf("missing key index %d, want 1: other keys' writes must not move it", idx)
	}
}

func TestKVListAndKeys(t *testing.T) {
	s := newStore(t)
	for i, k := range []string{"a/b", "a/c/d", "a/c/e", "ab", "b"} {
		mustKVSet(t, s, uint64(i+1), k, k)
	}
	listCases := []struct {
		prefix string
		want   []string
		idx    uint64
	}{
		{"a/", []string{"a/b", "a/c/d", "a/c/e"}, 3},
		{"a", []string{"a/b", "a/c/d", "a/c/e", "ab"}, 4},
		{"", []string{"a/b", "a/c/d", "a/c/e", "ab", "b"}, 5},
		{"zz", nil, 1},
	}
	for _, tc := range listCases {
		idx, entries, err := s.KVList(nil, tc.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if got := kvKeys(entries); !reflect.DeepEqual(got, tc.want) || idx != tc.idx {
			t.Errorf("KVList(%q) = %d %v, want %d %v", tc.prefix, idx, got, tc.idx, tc.want)
		}
	}

	keyCases := []struct {
		prefix, sep string
		want        []string
	}{
		{"a/", "/", []string{"a/b", "a/c/"}},
		{"a/", "", []string{"a/b", "a/c/d", "a/c/e"}},
		{"", "/", []string{"a/", "ab", "b"}},
		{"a/c/", "/", []string{"a/c/d", "a/c/e"}},
		{"a", "/", []string{"a/", "ab"}},
		{"zz", "/", nil},
	}
	for _, tc := range keyCases {
		_, keys, err := s.KVKeys(nil, tc.prefix, tc.sep)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(keys, tc.want) {
			t.Errorf("KVKeys(%q, %q) = %v, want %v", tc.prefix, tc.sep, keys, tc.want)
		}
	}
}

func TestKVDeleteTreeTombstonesRaisePrefixIndex(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 1, "a/x", "1")
	mustKVSet(t, s, 2, "a/y", "2")
	mustKVSet(t, s, 3, "b", "3")
	if err := s.KVDeleteTree(5, "a/"); err != nil {
		t.Fatal(err)
	}
	mustKVSet(t, s, 6, "b", "4")

	idx, entries, _ := s.KVList(nil, "a/")
	if len(entries) != 0 || idx != 5 {
		t.Fatalf("KVList(a/) = %d %v, want 5 and no entries", idx, kvKeys(entries))
	}
	if idx, _, _ := s.KVKeys(nil, "a/", "/"); idx != 5 {
		t.Fatalf("KVKeys(a/) index %d, want 5", idx)
	}
	if idx, e, _ := s.KVGet(nil, "a/x"); e != nil || idx < 5 {
		t.Fatalf("KVGet(a/x) = %d %v, want >= 5 and nil", idx, e)
	}
	for _, key := range []string{"a/x", "a/y"} {
		txn := s.db.Txn(false)
		raw, _ := txn.First(TableTombstones, indexID, key)
		txn.Abort()
		if raw == nil || raw.(*Tombstone).Index != 5 {
			t.Fatalf("tombstone for %q = %+v, want index 5", key, raw)
		}
	}
}

// TestKVReapWakesOnlyWhatChanged: reaping touches only the keys and
// prefixes whose tombstones go, never raises an index (so no watcher
// answers), and a reap with nothing due writes nothing.
func TestKVReapWakesOnlyWhatChanged(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 1, "a/1", "x")
	mustKVSet(t, s, 2, "a/2", "x")
	if err := s.KVDelete(3, "a/2"); err != nil {
		t.Fatal(err)
	}
	mustKVSet(t, s, 4, "b/1", "x")

	aWS, bWS := memdb.NewWatchSet(), memdb.NewWatchSet()
	aIdx, _, _ := s.KVList(aWS, "a/")
	bIdx, _, _ := s.KVList(bWS, "b/")
	if aIdx != 3 || bIdx != 4 {
		t.Fatalf("indexes before reap: a/ %d b/ %d, want 3 and 4", aIdx, bIdx)
	}

	// Nothing is due at 2: nothing changes, nothing wakes.
	if err := s.ReapTombstones(2); err != nil {
		t.Fatal(err)
	}
	if !watchQuiet(aWS) || !watchQuiet(bWS) {
		t.Fatal("a reap with nothing due woke a watcher")
	}

	if err := s.ReapTombstones(3); err != nil {
		t.Fatal(err)
	}
	if !watchQuiet(bWS) {
		t.Fatal("reaping a/2 woke the watcher of b/")
	}
	if idx, _, _ := s.KVList(nil, "b/"); idx != 4 {
		t.Fatalf("b/ index %d after reaping under a/, want 4", idx)
	}
	idx, _, _ := s.KVList(nil, "a/")
	if idx > aIdx {
		t.Fatalf("a/ index rose to %d on a reap: its watchers would answer for nothing", idx)
	}
	if gidx, e, _ := s.KVGet(nil, "a/2"); e != nil || gidx > 3 {
		t.Fatalf("reaped key: index %d entry %v", gidx, e)
	}
	// Any later change under the prefix is above what watchers hold.
	mustKVSet(t, s, 5, "a/3", "x")
	if idx, _, _ := s.KVList(nil, "a/"); idx != 5 {
		t.Fatalf("a/ index %d after a write at 5", idx)
	}

	txn := s.db.Txn(false)
	defer txn.Abort()
	if raw, _ := txn.First(TableTombstones, indexID); raw != nil {
		t.Fatalf("tombstone survived reap: %+v", raw)
	}
}

// TestKVMissingKeyIndexIgnoresNeighbours: a missing key's index does not
// move when a key next to it in the radix tree is written.
func TestKVMissingKeyIndexIgnoresNeighbours(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 1, "abx", "x")
	before, _, _ := s.KVGet(nil, "abc")
	emptyBefore, _, _ := s.KVList(nil, "abc/")
	mustKVSet(t, s, 2, "abz", "x")
	after, _, _ := s.KVGet(nil, "abc")
	emptyAfter, _, _ := s.KVList(nil, "abc/")
	if before != after || emptyBefore != emptyAfter {
		t.Fatalf("missing key index %d -> %d, empty prefix %d -> %d after writing a neighbour", before, after, emptyBefore, emptyAfter)
	}
	mustKVSet(t, s, 3, "abc", "x")
	if idx, _, _ := s.KVGet(nil, "abc"); idx != 3 {
		t.Fatalf("created key index %d, want 3", idx)
	}
}

func watchQuiet(ws memdb.WatchSet) bool {
	return ws.Watch(time.After(10 * time.Millisecond)) // true on timeout
}

func TestReapKeepsNewerTombstones(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 1, "a", "x")
	mustKVSet(t, s, 2, "b", "x")
	_ = s.KVDelete(3, "a")
	_ = s.KVDelete(4, "b")
	if err := s.ReapTombstones(3); err != nil {
		t.Fatal(err)
	}
	txn := s.db.Txn(false)
	defer txn.Abort()
	a, _ := txn.First(TableTombstones, indexID, "a")
	b, _ := txn.First(TableTombstones, indexID, "b")
	if a != nil || b == nil {
		t.Fatalf("after reap(3): tombstone a=%v b=%v, want only b", a, b)
	}
}
