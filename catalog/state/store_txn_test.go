package state

import (
	"reflect"
	"strings"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

func kvOp(verb catalog.KVOp, key, value string, index uint64) *catalog.TxnOp {
	return &catalog.TxnOp{KV: &catalog.TxnKVOp{Verb: verb, Entry: catalog.KVEntry{Key: key, Value: []byte(value), ModifyIndex: index}}}
}

func TestTxnRWSuccess(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 1, "a/x", "1")
	mustKVSet(t, s, 2, "a/y", "2")
	results, errs := s.TxnRW(5, catalog.TxnOps{
		kvOp(catalog.KVSet, "b", "new", 0),
		kvOp(catalog.KVCAS, "a/x", "cas", 1),
		kvOp(catalog.KVGet, "b", "", 0),
		kvOp(catalog.KVDelete, "a/y", "", 0),
		kvOp(catalog.KVGetTree, "a/", "", 0),
		kvOp(catalog.KVCheckNotExists, "a/y", "", 0),
		kvOp(catalog.KVCheckIndex, "a/x", "", 5),
	})
	if errs != nil {
		t.Fatalf("errors: %+v", errs[0])
	}
	var got []string
	for _, r := range results {
		got = append(got, r.KV.Key+"="+string(r.KV.Value))
	}
	// Writes come back without their value, reads with it.
	want := []string{"b=", "a/x=", "b=new", "a/x=cas", "a/x="}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	if results[0].KV.ModifyIndex != 5 || results[0].KV.CreateIndex != 5 {
		t.Fatalf("set result %+v", results[0].KV)
	}
	if idx, _, _ := s.KVList(nil, "a/"); idx != 5 {
		t.Fatalf("prefix index %d after txn delete, want 5", idx)
	}
}

func TestTxnRWRollback(t *testing.T) {
	cases := []struct {
		name    string
		failing *catalog.TxnOp
		what    string
	}{
		{"check-index stale", kvOp(catalog.KVCheckIndex, "k", "", 3), "current modify index 5 != 3"},
		{"check-index missing", kvOp(catalog.KVCheckIndex, "nope", "", 3), `key "nope" does not exist`},
		{"check-not-exists present", kvOp(catalog.KVCheckNotExists, "k", "", 0), `key "k" exists`},
		{"get missing", kvOp(catalog.KVGet, "nope", "", 0), `key "nope" does not exist`},
		{"cas stale", kvOp(catalog.KVCAS, "k", "v", 4), "current modify index 5 != 4"},
		{"cas create on present", kvOp(catalog.KVCAS, "k", "v", 0), `key "k" exists`},
		{"delete-cas stale", kvOp(catalog.KVDeleteCAS, "k", "", 4), "current modify index 5 != 4"},
		{"set without key", kvOp(catalog.KVSet, "", "v", 0), "missing key"},
		{"lock without session", kvOp(catalog.KVLock, "k", "", 0), "missing session"},
		{"lock with unknown session", withSession(kvOp(catalog.KVLock, "k", "", 0), "nope"), `invalid session "nope"`},
		{"unlock not held", withSession(kvOp(catalog.KVUnlock, "k", "", 0), "nope"), `lock isn't held`},
		{"unknown verb", kvOp("frobnicate", "k", "", 0), "unknown KV verb"},
		{"nil op", nil, "missing KV operation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			mustKVSet(t, s, 4, "gone", "x")
			mustKVSet(t, s, 5, "k", "orig")
			results, errs := s.TxnRW(9, catalog.TxnOps{
				kvOp(catalog.KVDelete, "gone", "", 0),
				kvOp(catalog.KVSet, "other", "x", 0),
				tc.failing,
			})
			if results != nil || len(errs) != 1 {
				t.Fatalf("results %v errors %v", results, errs)
			}
			if errs[0].OpIndex != 2 || !strings.Contains(errs[0].What, tc.what) {
				t.Fatalf("error %+v, want op 2 %q", errs[0], tc.what)
			}
			if strings.HasPrefix(errs[0].What, "Bad request") {
				t.Fatalf("error text carries the HTTP prefix: %q", errs[0].What)
			}
			_, e, _ := s.KVGet(nil, "k")
			_, other, _ := s.KVGet(nil, "other")
			_, gone, _ := s.KVGet(nil, "gone")
			if string(e.Value) != "orig" || e.ModifyIndex != 5 || other != nil || gone == nil || s.LastIndex() != 5 {
				t.Fatalf("rollback left k=%+v other=%+v gone=%+v LastIndex=%d", e, other, gone, s.LastIndex())
			}
		})
	}
}

func TestTxnRO(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 5, "k", "v")
	results, errs := s.TxnRO(catalog.TxnOps{
		kvOp(catalog.KVGet, "k", "", 0),
		kvOp(catalog.KVCheckIndex, "k", "", 5),
		kvOp(catalog.KVCheckNotExists, "nope", "", 0),
	})
	if errs != nil || len(results) != 2 || string(results[0].KV.Value) != "v" {
		t.Fatalf("results %+v errors %+v", results, errs)
	}
	_, errs = s.TxnRO(catalog.TxnOps{kvOp(catalog.KVGet, "k", "", 0), kvOp(catalog.KVSet, "k", "x", 0)})
	if len(errs) != 1 || errs[0].OpIndex != 1 || !strings.Contains(errs[0].What, "read-only") {
		t.Fatalf("write verb in read-only txn: %+v", errs)
	}
}

func TestTxnTooManyOps(t *testing.T) {
	s := newStore(t)
	ops := make(catalog.TxnOps, catalog.MaxTxnOps+1)
	for i := range ops {
		ops[i] = kvOp(catalog.KVSet, "k", "v", 0)
	}
	if _, errs := s.TxnRW(1, ops); len(errs) != 1 || !strings.Contains(errs[0].What, "too many") {
		t.Fatalf("errors %+v", errs)
	}
	if s.LastIndex() != 0 {
		t.Fatal("oversized transaction applied")
	}
}

func withSession(op *catalog.TxnOp, session string) *catalog.TxnOp {
	op.KV.Entry.Session = session
	return op
}
