package state

import (
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/go-memdb"
)

// watchLimit bounds how many per-row channels one read adds to a watch set
// before it falls back to the channel of the whole table; past that the
// Go runtime spends more time selecting than the precision saves.
const watchLimit = 2048

// Store is the replicated state of one server. Writes come only from the
// FSM, in Raft order; reads come from any goroutine and never block writes.
type Store struct {
	db *memdb.MemDB

	// batch is set while Batch runs; only the writer reads it.
	batch *batch

	abandonOnce sync.Once
	abandonCh   chan struct{}
}

// New returns an empty store.
func New() (*Store, error) {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, fmt.Errorf("state: building schema: %w", err)
	}
	return &Store{db: db, abandonCh: make(chan struct{})}, nil
}

// AbandonCh is closed when the store is replaced by a snapshot restore, so
// blocking queries re-run against the new store.
func (s *Store) AbandonCh() <-chan struct{} { return s.abandonCh }

// Abandon closes AbandonCh; calling it again does nothing.
func (s *Store) Abandon() {
	s.abandonOnce.Do(func() { close(s.abandonCh) })
}

// LastIndex is the highest Raft index applied to any table.
func (s *Store) LastIndex() uint64 {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return lastIndexTxn(txn)
}

func lastIndexTxn(txn *memdb.Txn) uint64 {
	var max uint64
	iter, err := txn.Get(TableIndex, indexID)
	if err != nil {
		return 0
	}
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		if v := raw.(*IndexEntry).Value; v > max {
			max = v
		}
	}
	return max
}

// serviceIndexKey names the index entry of one service. Service names are
// matched case-insensitively, so the key is too.
func serviceIndexKey(name string) string {
	return "service." + strings.ToLower(name)
}

// indexUpdate raises the index entries named by keys to idx. It never lowers
// one, so a restore or a reap with an older index cannot move a blocking
// query's index backwards.
func indexUpdate(txn *memdb.Txn, idx uint64, keys ...string) error {
	for _, key := range keys {
		raw, err := txn.First(TableIndex, indexID, key)
		if err != nil {
			return fmt.Errorf("reading index %q: %w", key, err)
		}
		if raw != nil && raw.(*IndexEntry).Value >= idx {
			continue
		}
		if err := txn.Insert(TableIndex, &IndexEntry{Key: key, Value: idx}); err != nil {
			return fmt.Errorf("updating index %q: %w", key, err)
		}
	}
	return nil
}

// maxIndex is the highest of the index entries named by keys; a missing
// entry counts as 0.
func maxIndex(txn *memdb.Txn, keys ...string) uint64 {
	var max uint64
	for _, key := range keys {
		raw, err := txn.First(TableIndex, indexID, key)
		if err != nil || raw == nil {
			continue
		}
		if v := raw.(*IndexEntry).Value; v > max {
			max = v
		}
	}
	return max
}

// indexEntry reports the entry named key and whether it exists.
func indexEntry(txn *memdb.Txn, key string) (uint64, bool) {
	raw, err := txn.First(TableIndex, indexID, key)
	if err != nil || raw == nil {
		return 0, false
	}
	return raw.(*IndexEntry).Value, true
}

// atLeastOne keeps 0 out of replies: a blocking query that sent index 0
// would not block, and Consul's clients treat 0 as "no index yet".
func atLeastOne(idx uint64) uint64 {
	if idx == 0 {
		return 1
	}
	return idx
}

func maxU64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

func copyStringMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// sameStringMap treats nil and empty as equal: the wire does not keep the
// difference, and a re-registration must not count as a change because of it.
func sameStringMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
