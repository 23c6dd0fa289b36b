package state

import (
	"fmt"
	"reflect"

	"github.com/hashicorp/go-memdb"
)

// Snapshot is a point-in-time view of the whole store for the FSM to
// persist. It holds a memdb read transaction, so it sees none of the writes
// applied after it was taken and never blocks them.
type Snapshot struct {
	txn       *memdb.Txn
	lastIndex uint64
}

// Snapshot captures the store as it is now.
func (s *Store) Snapshot() *Snapshot {
	txn := s.db.Txn(false)
	return &Snapshot{txn: txn, lastIndex: lastIndexTxn(txn)}
}

// Close releases the snapshot.
func (sn *Snapshot) Close() { sn.txn.Abort() }

// LastIndex is the highest Raft index the snapshot reflects.
func (sn *Snapshot) LastIndex() uint64 { return sn.lastIndex }

// Rows iterates every row of table (one of Tables()) in id order. Rows are
// shared with the store and must not be modified.
func (sn *Snapshot) Rows(table string) (memdb.ResultIterator, error) {
	if _, err := rowType(table); err != nil {
		return nil, err
	}
	return sn.txn.Get(table, indexID)
}

// Restore fills a fresh store from a snapshot in one write transaction:
// nothing is visible until Commit, and Abort discards everything.
type Restore struct {
	txn   *memdb.Txn
	types map[string]reflect.Type
}

// Restore starts a restore. It is meant for a store just built by New that
// will replace the current one; it holds the store's write lock until Commit
// or Abort.
func (s *Store) Restore() *Restore {
	types := make(map[string]reflect.Type)
	for _, table := range Tables() {
		t, _ := rowType(table)
		types[table] = t
	}
	return &Restore{txn: s.db.Txn(true), types: types}
}

// Insert adds one row, which must be of the type NewRow(table) returns. The
// restore owns row afterwards. Indexes are restored as rows of the index
// table, not recomputed, so the restored store reports exactly the indexes
// the snapshot had.
func (r *Restore) Insert(table string, row interface{}) error {
	want, ok := r.types[table]
	if !ok {
		return fmt.Errorf("restore: unknown table %q", table)
	}
	if got := reflect.TypeOf(row); got != want {
		return fmt.Errorf("restore: table %q holds %v, not %v", table, want, got)
	}
	if reflect.ValueOf(row).IsNil() {
		return fmt.Errorf("restore: nil row for table %q", table)
	}
	if err := r.txn.Insert(table, row); err != nil {
		return fmt.Errorf("restore: table %q: %w", table, err)
	}
	return nil
}

// Commit makes the restored rows visible.
func (r *Restore) Commit() { r.txn.Commit() }

// Abort discards the restore; after Commit it does nothing.
func (r *Restore) Abort() { r.txn.Abort() }
