package fsm

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/raft"
)

func newFSM(t testing.TB) *FSM {
	t.Helper()
	f, err := New(nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

func command(t testing.TB, idx uint64, mt MessageType, msg interface{}) *raft.Log {
	t.Helper()
	data, err := Encode(mt, msg)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return &raft.Log{Index: idx, Term: 1, Type: raft.LogCommand, Data: data}
}

func apply(t testing.TB, f *FSM, idx uint64, mt MessageType, msg interface{}) interface{} {
	t.Helper()
	return f.Apply(command(t, idx, mt, msg))
}

func mustApply(t testing.TB, f *FSM, idx uint64, mt MessageType, msg interface{}) {
	t.Helper()
	if resp := apply(t, f, idx, mt, msg); resp != nil && resp != true {
		t.Fatalf("Apply(%d, type %d) = %v", idx, mt, resp)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := &catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "k", Value: []byte{0, 1, 2}, Flags: 42}}
	buf, err := Encode(KVSRequestType, in)
	if err != nil {
		t.Fatal(err)
	}
	if MessageType(buf[0]) != KVSRequestType {
		t.Fatalf("type byte %d", buf[0])
	}
	var out catalog.KVRequest
	if err := Decode(buf[1:], &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Fatalf("round trip: %+v != %+v", in, &out)
	}
}

func TestApplyCatalog(t *testing.T) {
	f := newFSM(t)
	reg := &catalog.RegisterRequest{
		Node:    "n1",
		Address: "10.0.0.1",
		Service: &catalog.NodeService{ID: "web-1", Service: "web", Port: 80},
		Checks: catalog.HealthChecks{
			{CheckID: "svc", ServiceID: "web-1", Status: catalog.HealthPassing},
			{CheckID: "node", Status: catalog.HealthPassing},
		},
	}
	if resp := apply(t, f, 10, RegisterRequestType, reg); resp != nil {
		t.Fatalf("register: %v", resp)
	}
	idx, rows, _ := f.State().ServiceNodes(nil, "web", nil)
	if idx != 10 || len(rows) != 1 || rows[0].Address != "10.0.0.1" {
		t.Fatalf("ServiceNodes = %d %+v", idx, rows)
	}
	bad := &catalog.RegisterRequest{Node: "n1", Check: &catalog.HealthCheck{CheckID: "c", ServiceID: "nope"}}
	if err, ok := apply(t, f, 11, RegisterRequestType, bad).(error); !ok || !catalog.IsBadRequest(err) {
		t.Fatalf("invalid register answered %v, want a bad request error", err)
	}

	steps := []struct {
		req        *catalog.DeregisterRequest
		services   int
		checks     int
		nodeExists bool
	}{
		{&catalog.DeregisterRequest{Node: "n1", CheckID: "node"}, 1, 1, true},
		{&catalog.DeregisterRequest{Node: "n1", ServiceID: "web-1"}, 0, 0, true},
		{&catalog.DeregisterRequest{Node: "n1"}, 0, 0, false},
	}
	for i, step := range steps {
		if resp := apply(t, f, uint64(20+i), DeregisterRequestType, step.req); resp != nil {
			t.Fatalf("deregister %+v: %v", step.req, resp)
		}
		_, ns, _ := f.State().NodeServices(nil, "n1")
		_, checks, _ := f.State().NodeChecks(nil, "n1")
		if (ns != nil) != step.nodeExists || len(checks) != step.checks || (ns != nil && len(ns.Services) != step.services) {
			t.Fatalf("after deregister %+v: node %+v checks %d", step.req, ns, len(checks))
		}
	}
}

func TestApplyKVS(t *testing.T) {
	f := newFSM(t)
	kv := func(op catalog.KVOp, key string, index uint64) *catalog.KVRequest {
		return &catalog.KVRequest{Op: op, Entry: catalog.KVEntry{Key: key, Value: []byte("v"), ModifyIndex: index}}
	}
	steps := []struct {
		req     *catalog.KVRequest
		want    interface{} // a bool, or a string the error must contain
		present bool        // whether "a/k" exists afterwards
	}{
		{kv(catalog.KVSet, "a/k", 0), true, true},
		{kv(catalog.KVCAS, "a/k", 0), false, true},
		{kv(catalog.KVCAS, "a/k", 1), true, true}, // written at index 1
		{kv(catalog.KVDeleteCAS, "a/k", 1), false, true},
		{kv(catalog.KVDeleteCAS, "a/k", 3), true, false},
		{kv(catalog.KVCAS, "a/k", 0), true, true},
		{kv(catalog.KVDelete, "a/k", 0), true, false},
		{kv(catalog.KVSet, "a/k", 0), true, true},
		{kv(catalog.KVDeleteTree, "a/", 0), true, false},
		{kv(catalog.KVLock, "a/k", 0), "missing session", false},
		{kv(catalog.KVUnlock, "a/k", 0), "missing session", false},
		{kv(catalog.KVGet, "a/k", 0), "invalid KV operation", false},
		{kv(catalog.KVSet, "", 0), "missing key", false},
	}
	for i, step := range steps {
		idx := uint64(i + 1)
		got := apply(t, f, idx, KVSRequestType, step.req)
		switch want := step.want.(type) {
		case bool:
			if got != want {
				t.Fatalf("step %d %s: got %v, want %v", idx, step.req.Op, got, want)
			}
		case string:
			err, ok := got.(error)
			if !ok || !strings.Contains(err.Error(), want) {
				t.Fatalf("step %d %s: got %v, want error %q", idx, step.req.Op, got, want)
			}
		}
		if _, e, _ := f.State().KVGet(nil, "a/k"); (e != nil) != step.present {
			t.Fatalf("step %d %s: entry %+v, want present=%v", idx, step.req.Op, e, step.present)
		}
	}
}

func TestApplyTxn(t *testing.T) {
	f := newFSM(t)
	ops := catalog.TxnOps{
		{KV: &catalog.TxnKVOp{Verb: catalog.KVSet, Entry: catalog.KVEntry{Key: "a", Value: []byte("1")}}},
		{KV: &catalog.TxnKVOp{Verb: catalog.KVGet, Entry: catalog.KVEntry{Key: "a"}}},
	}
	resp, ok := apply(t, f, 5, TxnRequestType, &catalog.TxnRequest{Ops: ops}).(*catalog.TxnResponse)
	if !ok || len(resp.Errors) != 0 || len(resp.Results) != 2 || string(resp.Results[1].KV.Value) != "1" {
		t.Fatalf("txn response %+v", resp)
	}
	failing := catalog.TxnOps{
		{KV: &catalog.TxnKVOp{Verb: catalog.KVSet, Entry: catalog.KVEntry{Key: "b"}}},
		{KV: &catalog.TxnKVOp{Verb: catalog.KVCheckIndex, Entry: catalog.KVEntry{Key: "a", ModifyIndex: 4}}},
	}
	resp, ok = apply(t, f, 6, TxnRequestType, &catalog.TxnRequest{Ops: failing}).(*catalog.TxnResponse)
	if !ok || len(resp.Results) != 0 || len(resp.Errors) != 1 || resp.Errors[0].OpIndex != 1 {
		t.Fatalf("failing txn response %+v", resp)
	}
	if _, e, _ := f.State().KVGet(nil, "b"); e != nil {
		t.Fatal("failed transaction was applied")
	}
}

func TestApplyTombstone(t *testing.T) {
	f := newFSM(t)
	mustApply(t, f, 1, KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "a/k"}})
	mustApply(t, f, 2, KVSRequestType, &catalog.KVRequest{Op: catalog.KVDelete, Entry: catalog.KVEntry{Key: "a/k"}})
	if resp := apply(t, f, 3, TombstoneRequestType, &TombstoneRequest{ReapIndex: 2}); resp != nil {
		t.Fatalf("tombstone: %v", resp)
	}
	snap := f.State().Snapshot()
	defer snap.Close()
	iter, _ := snap.Rows("tombstones")
	if row := iter.Next(); row != nil {
		t.Fatalf("tombstone %+v survived the reap", row)
	}
	if idx, entries, _ := f.State().KVList(nil, "a/"); idx != 1 || len(entries) != 0 {
		t.Fatalf("empty prefix after reap: index %d, %d entries; want 1 and none", idx, len(entries))
	}
}

func TestApplyIgnoresNonCommands(t *testing.T) {
	f := newFSM(t)
	for _, lt := range []raft.LogType{raft.LogNoop, raft.LogConfiguration, raft.LogBarrier} {
		if resp := f.Apply(&raft.Log{Index: 7, Type: lt, Data: []byte{0xff, 0x00}}); resp != nil {
			t.Fatalf("log type %v answered %v", lt, resp)
		}
	}
	if f.State().LastIndex() != 0 {
		t.Fatal("non-command log changed the state")
	}
}

func TestApplyUnknownType(t *testing.T) {
	f := newFSM(t)
	unknown := MessageType(77)

	// With the flag: skipped, without a panic.
	if resp := apply(t, f, 1, unknown|IgnoreUnknownTypeFlag, &TombstoneRequest{}); resp != nil {
		t.Fatalf("flagged unknown command answered %v", resp)
	}
	// The flag does not stop a known type from applying.
	mustApply(t, f, 2, KVSRequestType|IgnoreUnknownTypeFlag,
		&catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "k"}})
	if _, e, _ := f.State().KVGet(nil, "k"); e == nil {
		t.Fatal("known command with the flag was not applied")
	}
	// Without it: a panic, since skipping would silently diverge.
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("unflagged unknown command did not panic")
		}
		if !strings.Contains(fmtPanic(r), "unknown type 77") {
			t.Fatalf("panic %v", r)
		}
	}()
	apply(t, f, 3, unknown, &TombstoneRequest{})
}

func fmtPanic(r interface{}) string {
	if err, ok := r.(error); ok {
		return err.Error()
	}
	return ""
}

func TestApplyGarbage(t *testing.T) {
	f := newFSM(t)
	garbage := [][]byte{
		{},
		{byte(RegisterRequestType)},
		{byte(RegisterRequestType), 0xc1},
		{byte(DeregisterRequestType), 0x2a},
		{byte(KVSRequestType), 0x81, 0xa2, 'O', 'p', 0x93},
		{byte(KVSRequestType), 0xdf, 0xff, 0xff, 0xff, 0xff},
		{byte(TxnRequestType), 0x81, 0xa3, 'O', 'p', 's', 0xdd, 0x7f, 0xff, 0xff, 0xff},
		{byte(TombstoneRequestType), 'h', 'e', 'l', 'l', 'o'},
		{byte(TombstoneRequestType) | byte(IgnoreUnknownTypeFlag), 0xff, 0xff},
	}
	for i, data := range garbage {
		resp := f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data})
		if err, ok := resp.(error); !ok || err == nil {
			t.Errorf("garbage %x answered %v, want an error", data, resp)
		}
	}
	if f.State().LastIndex() != 0 {
		t.Fatal("garbage changed the state")
	}
	if err := Decode(nil, new(TombstoneRequest)); err == nil {
		t.Fatal("Decode of nothing succeeded")
	}
}

func TestApplySessionAndLocks(t *testing.T) {
	f := newFSM(t)
	mustApply(t, f, 1, RegisterRequestType, &catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1",
		Check: &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Status: catalog.HealthPassing}})
	sess := catalog.Session{ID: "s1", Node: "n1", NodeChecks: []string{catalog.SerfCheckID}, LockDelay: time.Second, TTL: "15.0s"}
	mustApply(t, f, 2, SessionRequestType, &catalog.SessionRequest{Op: catalog.SessionCreate, Session: sess})
	lock := &catalog.KVRequest{Op: catalog.KVLock, Entry: catalog.KVEntry{Key: "leader", Session: "s1", Value: []byte("me")}}
	if got := apply(t, f, 3, KVSRequestType, lock); got != true {
		t.Fatalf("lock: %v", got)
	}
	// The serfHealth check fails in an entry the leader appended at t0:
	// the session ends and the lock-delay runs from t0, whatever the
	// applying server's clock says.
	t0 := time.Unix(1700000000, 0)
	l := command(t, 4, RegisterRequestType, &catalog.RegisterRequest{Node: "n1", SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Status: catalog.HealthCritical}})
	l.AppendedAt = t0
	if resp := f.Apply(l); resp != nil {
		t.Fatalf("register: %v", resp)
	}
	if _, got, _ := f.State().SessionGet(nil, "s1"); got != nil {
		t.Fatalf("session survived its node's failure: %+v", got)
	}
	if d := f.State().KVLockDelay("leader"); !d.Equal(t0.Add(time.Second)) {
		t.Fatalf("lock delay until %v, want %v", d, t0.Add(time.Second))
	}
	if got := apply(t, f, 5, SessionRequestType, &catalog.SessionRequest{Op: "frob"}); got == nil {
		t.Fatal("unknown session op accepted")
	}
}
