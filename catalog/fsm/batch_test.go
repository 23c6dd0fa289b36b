package fsm

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/coordinate"
)

// batchLog is a log mixing every kind of command with entries that fail
// in different ways: a CAS that loses, a lock without a session, a
// transaction that writes one key and then rolls back on its second
// operation (a write into the shared transaction that must not survive),
// a request that does not decode, and a configuration entry.
func batchLog(t *testing.T) []*raft.Log {
	t.Helper()
	at := time.Unix(1700000000, 0)
	var logs []*raft.Log
	add := func(mt MessageType, msg interface{}) {
		l := command(t, uint64(len(logs)+1), mt, msg)
		l.AppendedAt = at.Add(time.Duration(len(logs)) * time.Second)
		logs = append(logs, l)
	}
	kv := func(op catalog.KVOp, key string, value string, modify uint64) *catalog.KVRequest {
		return &catalog.KVRequest{Op: op, Entry: catalog.KVEntry{Key: key, Value: []byte(value), ModifyIndex: modify, Session: ""}}
	}
	add(RegisterRequestType, &catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1",
		Service: &catalog.NodeService{ID: "web-1", Service: "web", Port: 80},
		Check:   &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Status: catalog.HealthPassing}})
	add(KVSRequestType, kv(catalog.KVSet, "a", "1", 0))
	add(KVSRequestType, kv(catalog.KVCAS, "a", "lost", 1)) // a is at 2: loses
	add(KVSRequestType, kv(catalog.KVCAS, "a", "won", 2))
	add(RegisterRequestType, &catalog.RegisterRequest{Address: "10.0.0.9"}) // no node: error
	add(TxnRequestType, &catalog.TxnRequest{Ops: catalog.TxnOps{
		{KV: &catalog.TxnKVOp{Verb: catalog.KVSet, Entry: catalog.KVEntry{Key: "txn/half", Value: []byte("x")}}},
		{KV: &catalog.TxnKVOp{Verb: catalog.KVCheckIndex, Entry: catalog.KVEntry{Key: "a", ModifyIndex: 99}}},
	}})
	add(KVSRequestType, kv(catalog.KVSet, "b", "2", 0))
	add(SessionRequestType, &catalog.SessionRequest{Op: catalog.SessionCreate,
		Session: catalog.Session{ID: "s1", Node: "n1", NodeChecks: []string{catalog.SerfCheckID}, LockDelay: time.Second, TTL: "15.0s"}})
	add(KVSRequestType, &catalog.KVRequest{Op: catalog.KVLock, Entry: catalog.KVEntry{Key: "lock", Session: "s1"}})
	add(KVSRequestType, &catalog.KVRequest{Op: catalog.KVLock, Entry: catalog.KVEntry{Key: "lock2", Session: "nope"}}) // error
	add(TxnRequestType, &catalog.TxnRequest{Ops: catalog.TxnOps{
		{KV: &catalog.TxnKVOp{Verb: catalog.KVSet, Entry: catalog.KVEntry{Key: "txn/ok", Value: []byte("y")}}},
		{KV: &catalog.TxnKVOp{Verb: catalog.KVGet, Entry: catalog.KVEntry{Key: "a"}}},
	}})
	add(KVSRequestType, kv(catalog.KVDelete, "b", "", 0))
	l := &raft.Log{Index: uint64(len(logs) + 1), Type: raft.LogCommand, Data: []byte{byte(KVSRequestType), 0xc1}}
	logs = append(logs, l)                                   // does not decode
	add(KVSRequestType, kv(catalog.KVDeleteCAS, "a", "", 3)) // a is at 4: loses
	add(SessionRequestType, &catalog.SessionRequest{Op: catalog.SessionDestroy, Session: catalog.Session{ID: "s1"}})
	conf := raft.Configuration{Servers: []raft.Server{{ID: "x", Address: "127.0.0.1:8300", Suffrage: raft.Voter}}}
	logs = append(logs, &raft.Log{Index: uint64(len(logs) + 1), Type: raft.LogConfiguration, Data: raft.EncodeConfiguration(conf)})
	// The other writers of the store: autopilot's configuration (one
	// check-and-set wins, one loses), network coordinates, prepared
	// queries (one created, one refused for a duplicate name, one
	// deleted) and ACL policies.
	add(AutopilotRequestType, &catalog.AutopilotSetRequest{Config: catalog.AutopilotConfig{MinQuorum: 3}})
	add(AutopilotRequestType, &catalog.AutopilotSetRequest{Config: catalog.AutopilotConfig{MinQuorum: 5, ModifyIndex: 1}, CAS: true})
	add(CoordinateBatchUpdateType, catalog.Coordinates{{Node: "n1", Coord: coordinate.NewCoordinate(coordinate.DefaultConfig())}})
	add(PreparedQueryRequestType, &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryCreate,
		Query: catalog.PreparedQuery{ID: "q1", Name: "geo", Service: catalog.ServiceQuery{Service: "web"}}})
	add(PreparedQueryRequestType, &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryCreate,
		Query: catalog.PreparedQuery{ID: "q2", Name: "geo", Service: catalog.ServiceQuery{Service: "web"}}})
	add(PreparedQueryRequestType, &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryDelete, Query: catalog.PreparedQuery{ID: "q1"}})
	add(ACLRequestType, &catalog.ACLRequest{Create: true, Op: catalog.ACLPolicySet, Policy: &catalog.ACLPolicy{ID: "p1", Name: "ops", Rules: `key_prefix "" { policy = "read" }`}})
	add(KVSRequestType, kv(catalog.KVSet, "c", "3", 0))
	return logs
}

// comparable turns errors into their text so responses compare by value.
func comparable(resps []interface{}) []interface{} {
	out := make([]interface{}, len(resps))
	for i, r := range resps {
		if err, ok := r.(error); ok {
			out[i] = "error: " + err.Error()
			continue
		}
		out[i] = r
	}
	return out
}

func TestApplyBatchMatchesApply(t *testing.T) {
	logs := batchLog(t)
	seq := newFSM(t)
	want := make([]interface{}, len(logs))
	for i, l := range logs {
		if l.Type == raft.LogConfiguration {
			seq.StoreConfiguration(l.Index, raft.DecodeConfiguration(l.Data))
			continue
		}
		want[i] = seq.Apply(l)
	}
	failures := 0
	for _, r := range want {
		if r == false {
			failures++
		}
		if _, ok := r.(error); ok {
			failures++
		}
		if tr, ok := r.(*catalog.TxnResponse); ok && len(tr.Errors) > 0 {
			failures++
		}
	}
	if failures < 6 {
		t.Fatalf("the log should fail in six entries, failed in %d: %v", failures, comparable(want))
	}

	for _, size := range []int{1, 2, 3, 5, len(logs)} {
		t.Run(fmt.Sprintf("batches of %d", size), func(t *testing.T) {
			f := newFSM(t)
			var got []interface{}
			for start := 0; start < len(logs); start += size {
				end := min(start+size, len(logs))
				got = append(got, f.ApplyBatch(logs[start:end])...)
			}
			if !reflect.DeepEqual(comparable(want), comparable(got)) {
				t.Fatalf("responses differ:\nApply      %v\nApplyBatch %v", comparable(want), comparable(got))
			}
			if w, g := tables(t, seq.State()), tables(t, f.State()); !reflect.DeepEqual(w, g) {
				t.Fatalf("stores differ:\nApply      %v\nApplyBatch %v", w, g)
			}
			if f.ConfigurationIndex() != seq.ConfigurationIndex() || f.ConfigurationIndex() == 0 {
				t.Fatalf("configuration index %d, want %d", f.ConfigurationIndex(), seq.ConfigurationIndex())
			}
		})
	}
}

func TestApplyBatchKeepsEachEntrysIndex(t *testing.T) {
	f := newFSM(t)
	var logs []*raft.Log
	for i := 1; i <= 4; i++ {
		logs = append(logs, command(t, uint64(10+i), KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet,
			Entry: catalog.KVEntry{Key: fmt.Sprintf("k%d", i), Value: []byte("v")}}))
	}
	// The same key twice in one batch: created by the first, modified by
	// the second.
	logs = append(logs, command(t, 15, KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "k1", Value: []byte("w")}}))
	f.ApplyBatch(logs)
	for i := 2; i <= 4; i++ {
		_, e, err := f.State().KVGet(nil, fmt.Sprintf("k%d", i))
		if err != nil || e == nil || e.CreateIndex != uint64(10+i) || e.ModifyIndex != uint64(10+i) {
			t.Fatalf("k%d: %+v %v, want create/modify index %d", i, e, err, 10+i)
		}
	}
	if _, e, _ := f.State().KVGet(nil, "k1"); e.CreateIndex != 11 || e.ModifyIndex != 15 || string(e.Value) != "w" {
		t.Fatalf("k1: %+v", e)
	}
	if f.State().LastIndex() != 15 {
		t.Fatalf("LastIndex %d", f.State().LastIndex())
	}
}

// A batch is one memdb commit: a blocking query's watch fires after the
// whole batch, and the next read sees all of it.
func TestApplyBatchWakesWatchersOnceWithAllOfIt(t *testing.T) {
	f := newFSM(t)
	ws := memdb.NewWatchSet()
	if _, _, err := f.State().KVList(ws, "p/"); err != nil {
		t.Fatal(err)
	}
	var logs []*raft.Log
	for i := 1; i <= 3; i++ {
		logs = append(logs, command(t, uint64(i), KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet,
			Entry: catalog.KVEntry{Key: fmt.Sprintf("p/%d", i)}}))
	}
	f.ApplyBatch(logs)
	if timedOut := ws.Watch(time.After(10 * time.Second)); timedOut {
		t.Fatal("watch did not fire")
	}
	idx, list, _ := f.State().KVList(nil, "p/")
	if idx != 3 || len(list) != 3 {
		t.Fatalf("after the batch: index %d, %d entries", idx, len(list))
	}
}

func TestSnapshotOfBatchedStoreRestores(t *testing.T) {
	f := newFSM(t)
	f.ApplyBatch(batchLog(t))
	sink := persist(t, f)
	dst := newFSM(t)
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if w, g := tables(t, f.State()), tables(t, dst.State()); !reflect.DeepEqual(w, g) {
		t.Fatalf("restored tables differ:\nwant %v\ngot  %v", w, g)
	}
	if _, e, _ := dst.State().KVGet(nil, "txn/half"); e != nil {
		t.Fatalf("a rolled-back transaction's write survived: %+v", e)
	}
}
