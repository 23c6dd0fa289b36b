package fsm

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/serf/coordinate"
)

// bufferSink is a raft.SnapshotSink that keeps the snapshot in memory.
type bufferSink struct {
	bytes.Buffer
	failWrites bool
	cancelled  bool
	closed     bool
}

func (s *bufferSink) Write(p []byte) (int, error) {
	if s.failWrites {
		return 0, errors.New("disk full")
	}
	return s.Buffer.Write(p)
}
func (s *bufferSink) ID() string    { return "test" }
func (s *bufferSink) Cancel() error { s.cancelled = true; return nil }
func (s *bufferSink) Close() error  { s.closed = true; return nil }

func persist(t *testing.T, f *FSM) *bufferSink {
	t.Helper()
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	sink := &bufferSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	if !sink.closed || sink.cancelled {
		t.Fatalf("sink closed=%v cancelled=%v", sink.closed, sink.cancelled)
	}
	return sink
}

func populated(t *testing.T) *FSM {
	t.Helper()
	f := newFSM(t)
	reg := &catalog.RegisterRequest{
		WriteRequest: catalog.WriteRequest{Datacenter: "dc1"},
		ID:           "11111111-2222-3333-4444-555555555555",
		Node:         "n1",
		Address:      "10.0.0.1",
		NodeMeta:     map[string]string{"rack": "r1"},
		Service:      &catalog.NodeService{ID: "web-1", Service: "web", Tags: []string{"v1"}, Port: 80, Meta: map[string]string{}},
		Check:        &catalog.HealthCheck{CheckID: "http", ServiceID: "web-1", Status: catalog.HealthPassing},
	}
	mustApply(t, f, 1, RegisterRequestType, reg)
	mustApply(t, f, 2, RegisterRequestType, &catalog.RegisterRequest{Node: "n2", Address: "10.0.0.2"})
	for i, key := range []string{"a/1", "a/2", "b"} {
		mustApply(t, f, uint64(3+i), KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet,
			Entry: catalog.KVEntry{Key: key, Value: []byte(key), Flags: uint64(i)}})
	}
	mustApply(t, f, 6, KVSRequestType, &catalog.KVRequest{Op: catalog.KVDelete, Entry: catalog.KVEntry{Key: "a/2"}})
	mustApply(t, f, 7, TombstoneRequestType, &TombstoneRequest{ReapIndex: 6})
	mustApply(t, f, 8, KVSRequestType, &catalog.KVRequest{Op: catalog.KVDelete, Entry: catalog.KVEntry{Key: "b"}})
	// Two sessions, each holding a key; the second ends, leaving its
	// key released under a lock-delay.
	for i, id := range []string{"s1", "s2"} {
		idx := uint64(9 + 2*i)
		mustApply(t, f, idx, SessionRequestType, &catalog.SessionRequest{Op: catalog.SessionCreate,
			Session: catalog.Session{ID: id, Node: "n1", TTL: "15.0s", LockDelay: time.Minute, Behavior: catalog.SessionRelease}})
		if got := apply(t, f, idx+1, KVSRequestType, &catalog.KVRequest{Op: catalog.KVLock,
			Entry: catalog.KVEntry{Key: "lock/" + id, Session: id}}); got != true {
			t.Fatalf("lock for %s: %v", id, got)
		}
	}
	destroy := command(t, 13, SessionRequestType, &catalog.SessionRequest{Op: catalog.SessionDestroy, Session: catalog.Session{ID: "s2"}})
	destroy.AppendedAt = time.Unix(1700000000, 0)
	if resp := f.Apply(destroy); resp != nil {
		t.Fatalf("destroy: %v", resp)
	}
	coord := coordinate.NewCoordinate(coordinate.DefaultConfig())
	coord.Vec[0], coord.Height = 0.002, 0.0001
	mustApply(t, f, 14, CoordinateBatchUpdateType, catalog.Coordinates{{Node: "n1", Coord: coord}, {Node: "unknown", Coord: coord}})
	mustApply(t, f, 15, PreparedQueryRequestType, &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryCreate,
		Query: catalog.PreparedQuery{ID: "8d4b5a4e-0000-4000-8000-000000000001", Name: "geo-", Session: "s1",
			Template: catalog.QueryTemplate{Type: catalog.QueryTemplateNamePrefixMatch, Regexp: "^geo-(.*)$"},
			Service: catalog.ServiceQuery{Service: "${match(1)}", Tags: []string{"!old"},
				Failover: catalog.QueryFailoverOptions{NearestN: 2, Datacenters: []string{"dc2"}}},
			DNS: catalog.QueryDNSOptions{TTL: "10s"}}})
	return f
}

// tables reads every row of every table of st.
func tables(t *testing.T, st *state.Store) map[string][]interface{} {
	t.Helper()
	snap := st.Snapshot()
	defer snap.Close()
	out := make(map[string][]interface{})
	for _, table := range state.Tables() {
		iter, err := snap.Rows(table)
		if err != nil {
			t.Fatal(err)
		}
		for row := iter.Next(); row != nil; row = iter.Next() {
			out[table] = append(out[table], row)
		}
	}
	return out
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	src := populated(t)
	sink := persist(t, src)

	dst := newFSM(t)
	old := dst.State()
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	select {
	case <-old.AbandonCh():
	default:
		t.Fatal("old store not abandoned")
	}
	if dst.State() == old {
		t.Fatal("store not replaced")
	}
	want, got := tables(t, src.State()), tables(t, dst.State())
	for _, table := range []string{state.TableNodes, state.TableServices, state.TableChecks, state.TableKVs, state.TableTombstones, state.TableIndex,
		state.TableSessions, state.TableLockDelays, state.TableCoordinates, state.TablePreparedQueries} {
		if len(want[table]) == 0 {
			t.Fatalf("populated left table %s empty", table)
		}
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("restored tables differ:\nwant %v\ngot  %v", want, got)
	}
	if dst.State().LastIndex() != 15 {
		t.Fatalf("LastIndex %d, want 15", dst.State().LastIndex())
	}
	if _, c, _ := dst.State().NodeCoordinate(nil, "n1"); c == nil || c.Coord.Vec[0] != 0.002 {
		t.Fatalf("restored coordinate %+v", c)
	}
	if _, c, _ := dst.State().NodeCoordinate(nil, "unknown"); c != nil {
		t.Fatalf("a coordinate of a node not in the catalog was stored: %+v", c)
	}
	if _, q, _ := dst.State().PreparedQueryResolve(nil, "geo-web"); q == nil || q.Name != "geo-" || q.Service.Failover.NearestN != 2 {
		t.Fatalf("restored query %+v", q)
	}
	if d := dst.State().KVLockDelay("lock/s2"); !d.Equal(time.Unix(1700000060, 0)) {
		t.Fatalf("restored lock delay %v", d)
	}
	for _, prefix := range []string{"", "a/", "b", "zz"} {
		i1, l1, _ := src.State().KVList(nil, prefix)
		i2, l2, _ := dst.State().KVList(nil, prefix)
		if i1 != i2 || !reflect.DeepEqual(l1, l2) {
			t.Errorf("KVList(%q): %d %v vs %d %v", prefix, i1, l1, i2, l2)
		}
	}
	i1, s1, _ := src.State().ServiceNodes(nil, "web", nil)
	i2, s2, _ := dst.State().ServiceNodes(nil, "web", nil)
	if i1 != i2 || !reflect.DeepEqual(s1, s2) {
		t.Errorf("ServiceNodes: %d %+v vs %d %+v", i1, s1, i2, s2)
	}

	// The restored FSM keeps applying.
	mustApply(t, dst, 16, KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "c"}})
	if dst.State().LastIndex() != 16 {
		t.Fatal("apply after restore did not land in the new store")
	}
}

func TestSnapshotIsPointInTime(t *testing.T) {
	f := populated(t)
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	// raft may Apply while Persist runs; the snapshot must not see it.
	mustApply(t, f, 16, KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "late"}})
	sink := &bufferSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	dst := newFSM(t)
	if err := dst.Restore(io.NopCloser(&sink.Buffer)); err != nil {
		t.Fatal(err)
	}
	if _, e, _ := dst.State().KVGet(nil, "late"); e != nil || dst.State().LastIndex() != 15 {
		t.Fatalf("snapshot saw a later write: %+v, LastIndex %d", e, dst.State().LastIndex())
	}
}

func TestPersistCancelsOnError(t *testing.T) {
	f := populated(t)
	snap, _ := f.Snapshot()
	defer snap.Release()
	sink := &bufferSink{failWrites: true}
	if err := snap.Persist(sink); err == nil {
		t.Fatal("Persist succeeded on a failing sink")
	}
	if !sink.cancelled || sink.closed {
		t.Fatalf("sink cancelled=%v closed=%v, want cancelled only", sink.cancelled, sink.closed)
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	good := persist(t, populated(t)).Bytes()
	stream := func(write func(enc *codec.Encoder)) []byte {
		var buf bytes.Buffer
		write(codec.NewEncoder(&buf, msgpackHandle))
		return buf.Bytes()
	}
	cases := map[string][]byte{
		"empty":         nil,
		"truncated":     good[:len(good)-1],
		"cut mid-row":   good[:len(good)/2],
		"garbage":       []byte("not a snapshot at all"),
		"wrong version": stream(func(enc *codec.Encoder) { _ = enc.Encode(&snapshotHeader{Version: 99}) }),
		"unknown record": stream(func(enc *codec.Encoder) {
			_ = enc.Encode(&snapshotHeader{Version: snapshotVersion})
			_ = enc.Encode(uint8(60))
			_ = enc.Encode(map[string]string{"x": "y"})
			_ = enc.Encode(uint8(endRecord))
		}),
		"wrong index": stream(func(enc *codec.Encoder) {
			_ = enc.Encode(&snapshotHeader{Version: snapshotVersion, LastIndex: 5})
			_ = enc.Encode(uint8(endRecord))
		}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			f := populated(t)
			before := f.State()
			if err := f.Restore(io.NopCloser(bytes.NewReader(data))); err == nil {
				t.Fatal("Restore succeeded")
			}
			if f.State() != before {
				t.Fatal("failed restore replaced the store")
			}
			select {
			case <-before.AbandonCh():
				t.Fatal("failed restore abandoned the store")
			default:
			}
		})
	}
}

// A snapshot may carry rows of tables this version only reserves, and
// records a newer version marked skippable.
func TestRestoreFutureRecords(t *testing.T) {
	var buf bytes.Buffer
	enc := codec.NewEncoder(&buf, msgpackHandle)
	_ = enc.Encode(&snapshotHeader{Version: snapshotVersion, LastIndex: 3})
	_ = enc.Encode(uint8(sessionRecord))
	_ = enc.Encode(map[string]interface{}{"ID": "s1", "Node": "n1", "CreateIndex": 3, "ModifyIndex": 3})
	_ = enc.Encode(uint8(ignoreUnknownRecordFlag | 5))
	_ = enc.Encode([]interface{}{"from", "the", "future"})
	_ = enc.Encode(uint8(indexRecord))
	_ = enc.Encode(&state.IndexEntry{Key: state.TableSessions, Value: 3})
	_ = enc.Encode(uint8(endRecord))

	f := newFSM(t)
	if err := f.Restore(io.NopCloser(&buf)); err != nil {
		t.Fatal(err)
	}
	rows := tables(t, f.State())
	if len(rows[state.TableSessions]) != 1 || f.State().LastIndex() != 3 {
		t.Fatalf("restored %v", rows)
	}
	// And the row survives the next snapshot.
	again := newFSM(t)
	if err := again.Restore(io.NopCloser(&persist(t, f).Buffer)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tables(t, again.State()), rows) {
		t.Fatal("session row lost in the second round trip")
	}
}

func TestEveryTableHasARecordType(t *testing.T) {
	seen := make(map[recordType]string)
	for _, table := range state.Tables() {
		rt, ok := tableRecord(table)
		if !ok {
			t.Fatalf("table %s has no record type", table)
		}
		if prev, dup := seen[rt]; dup {
			t.Fatalf("record type %d used by %s and %s", rt, prev, table)
		}
		seen[rt] = table
	}
}

// Run with -race: raft calls Persist while Apply goes on, and readers use
// State from their own goroutines.
func TestPersistConcurrentWithApply(t *testing.T) {
	f := populated(t)
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	done := make(chan error, 2)
	go func() {
		done <- snap.Persist(&bufferSink{})
	}()
	go func() {
		for i := 0; i < 200; i++ {
			if _, _, err := f.State().KVList(nil, ""); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := uint64(0); i < 200; i++ {
		mustApply(t, f, 100+i, KVSRequestType, &catalog.KVRequest{Op: catalog.KVSet, Entry: catalog.KVEntry{Key: "k", Value: []byte{byte(i)}}})
	}
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
