package state

import (
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/serf/coordinate"
)

// populate fills every table, the placeholder ones included.
func populate(t *testing.T, s *Store) {
	t.Helper()
	req := regService("n1", "10.0.0.1", "web-1", "web", "v1")
	req.ID = uuid1
	req.NodeMeta = map[string]string{"rack": "r1"}
	req.Checks = catalog.HealthChecks{{CheckID: "http", ServiceID: "web-1", Status: catalog.HealthPassing}}
	mustRegister(t, s, 1, req)
	mustRegister(t, s, 2, regService("n2", "10.0.0.2", "db-1", "db"))
	mustKVSet(t, s, 3, "a/1", "one")
	mustKVSet(t, s, 4, "a/2", "two")
	mustKVSet(t, s, 5, "b", "")
	if err := s.KVDelete(6, "a/2"); err != nil {
		t.Fatal(err)
	}
	if err := s.ReapTombstones(2); err != nil {
		t.Fatal(err)
	}
	txn := s.db.Txn(true)
	for table, row := range map[string]interface{}{
		TableSessions:        &catalog.Session{ID: "s1", Node: "n1", TTL: "15.0s", LockDelay: time.Second, CreateIndex: 7, ModifyIndex: 7},
		TableLockDelays:      &LockDelay{Key: "k", UntilUnixNano: 42},
		TableCoordinates:     &catalog.Coordinate{Node: "n1", Coord: testCoord(1, 2)},
		TableACLTokens:       &catalog.ACLToken{AccessorID: "t1", SecretID: "s1"},
		TableACLPolicies:     &catalog.ACLPolicy{ID: "p1", Name: "global"},
		TableACLRoles:        &catalog.ACLRole{ID: "r1", Name: "ops"},
		TablePreparedQueries: &catalog.PreparedQuery{ID: "q1", Name: "geo", Service: catalog.ServiceQuery{Service: "web", Tags: []string{"!old"}}},
		TableAutopilot:       &AutopilotRow{ID: autopilotRowID, Config: catalog.AutopilotConfig{MinQuorum: 3, CreateIndex: 7, ModifyIndex: 7}},
	} {
		if err := txn.Insert(table, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := indexUpdate(txn, 7, TableSessions); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
}

func tableRows(t *testing.T, sn *Snapshot, table string) []interface{} {
	t.Helper()
	iter, err := sn.Rows(table)
	if err != nil {
		t.Fatal(err)
	}
	var rows []interface{}
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		rows = append(rows, raw)
	}
	return rows
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	src := newStore(t)
	populate(t, src)
	snap := src.Snapshot()
	defer snap.Close()

	dst := newStore(t)
	r := dst.Restore()
	for _, table := range Tables() {
		rows := tableRows(t, snap, table)
		if len(rows) == 0 {
			t.Fatalf("table %s empty: populate should fill every table", table)
		}
		for _, row := range rows {
			if err := r.Insert(table, row); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.Commit()

	if snap.LastIndex() != 7 || dst.LastIndex() != 7 {
		t.Fatalf("LastIndex: snapshot %d restored %d, want 7", snap.LastIndex(), dst.LastIndex())
	}
	check := dst.Snapshot()
	defer check.Close()
	for _, table := range Tables() {
		if a, b := tableRows(t, snap, table), tableRows(t, check, table); !reflect.DeepEqual(a, b) {
			t.Errorf("table %s differs after restore:\n%v\n%v", table, a, b)
		}
	}

	reads := []func(s *Store) interface{}{
		func(s *Store) interface{} { i, v, _ := s.Nodes(nil); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.Services(nil); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.ServiceNodes(nil, "web", nil); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.NodeServices(nil, "n1"); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.ChecksInState(nil, "any"); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.KVList(nil, "a/"); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.KVKeys(nil, "", "/"); return []interface{}{i, v} },
		func(s *Store) interface{} { i, v, _ := s.KVGet(nil, "a/2"); return []interface{}{i, v} },
	}
	for i, read := range reads {
		if a, b := read(src), read(dst); !reflect.DeepEqual(a, b) {
			t.Errorf("read %d differs: %v vs %v", i, a, b)
		}
	}
}

func TestSnapshotIsPointInTime(t *testing.T) {
	s := newStore(t)
	mustKVSet(t, s, 1, "early", "x")
	snap := s.Snapshot()
	defer snap.Close()
	mustKVSet(t, s, 2, "late", "x")
	rows := tableRows(t, snap, TableKVs)
	if len(rows) != 1 || rows[0].(*catalog.KVEntry).Key != "early" || snap.LastIndex() != 1 {
		t.Fatalf("snapshot sees %v at index %d", rows, snap.LastIndex())
	}
}

func TestRestoreRejectsWrongRows(t *testing.T) {
	s := newStore(t)
	r := s.Restore()
	defer r.Abort()
	if err := r.Insert(TableNodes, &catalog.KVEntry{Key: "k"}); err == nil {
		t.Error("KV entry accepted into nodes")
	}
	if err := r.Insert("bogus", &IndexEntry{}); err == nil {
		t.Error("unknown table accepted")
	}
	if err := r.Insert(TableNodes, (*catalog.Node)(nil)); err == nil {
		t.Error("nil row accepted")
	}
	if err := r.Insert(TableNodes, &catalog.Node{}); err == nil {
		t.Error("node without a name accepted")
	}
}

func TestNewRowCoversEveryTable(t *testing.T) {
	for _, table := range Tables() {
		row, err := NewRow(table)
		if err != nil || row == nil {
			t.Fatalf("NewRow(%s) = %v, %v", table, row, err)
		}
	}
	if _, err := NewRow("bogus"); err == nil {
		t.Fatal("NewRow(bogus) succeeded")
	}
}

// testCoord is a coordinate of the default dimensionality with its first
// components set.
func testCoord(vec ...float64) *coordinate.Coordinate {
	c := coordinate.NewCoordinate(coordinate.DefaultConfig())
	copy(c.Vec, vec)
	return c
}
