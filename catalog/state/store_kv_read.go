package state

import (
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// KVGet returns the entry at key, or nil. A missing key's index is its
// tombstone's (so a blocking read of a just-deleted key sees the
// deletion), or 1 when it has none: writes to other keys never move it,
// so a watcher of a missing key wakes only when that key appears.
func (s *Store) KVGet(ws memdb.WatchSet, key string) (uint64, *catalog.KVEntry, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	watch, raw, err := txn.FirstWatch(TableKVs, indexID, key)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	if raw != nil {
		e := *raw.(*catalog.KVEntry)
		return atLeastOne(e.ModifyIndex), &e, nil
	}
	// The channel above belongs to the deepest radix node on the key's
	// path, so a write to a neighbour ("abz" for "abc") fires it; the
	// re-run then finds the same index and the query keeps waiting.
	var idx uint64
	twatch, traw, err := txn.FirstWatch(TableTombstones, indexID, key)
	if err != nil {
		return 0, nil, err
	}
	if traw != nil {
		// Only an existing tombstone's own channel is precise; see
		// prefixIndex for why an absent one needs no watch.
		ws.Add(twatch)
		idx = traw.(*Tombstone).Index
	}
	return atLeastOne(idx), nil, nil
}

// KVList returns every entry under prefix, sorted by key.
func (s *Store) KVList(ws memdb.WatchSet, prefix string) (uint64, []*catalog.KVEntry, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableKVs, indexID+"_prefix", prefix)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out []*catalog.KVEntry
	var max uint64
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		e := *raw.(*catalog.KVEntry)
		max = maxU64(max, e.ModifyIndex)
		out = append(out, &e)
	}
	idx, err := prefixIndex(ws, txn, prefix, max, len(out) > 0)
	if err != nil {
		return 0, nil, err
	}
	return idx, out, nil
}

// KVKeys lists the keys under prefix. With a separator, keys that continue
// past the next separator after prefix fold into one entry ending at it:
// under "a/" with "/", keys "a/b", "a/c/d" and "a/c/e" give "a/b" and "a/c/".
func (s *Store) KVKeys(ws memdb.WatchSet, prefix, separator string) (uint64, []string, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableKVs, indexID+"_prefix", prefix)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var keys []string
	var max uint64
	found := false
	last := ""
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		e := raw.(*catalog.KVEntry)
		found = true
		max = maxU64(max, e.ModifyIndex)
		key := e.Key
		if separator != "" {
			if i := strings.Index(key[len(prefix):], separator); i >= 0 {
				key = key[:len(prefix)+i+len(separator)]
			}
		}
		// Keys arrive sorted, so equal folded keys are adjacent.
		if len(keys) > 0 && key == last {
			continue
		}
		keys = append(keys, key)
		last = key
	}
	idx, err := prefixIndex(ws, txn, prefix, max, found)
	if err != nil {
		return 0, nil, err
	}
	return idx, keys, nil
}

// prefixIndex is the index of a prefix read: the newest entry or tombstone
// under it, or 1 with nothing at all under it, so only changes under the
// prefix move it.
//
// Reaping a tombstone can lower a prefix's index. That is safe: every
// later change under the prefix gets an index above the reaped one, so a
// watcher holding the higher index keeps waiting until a real change,
// and a new reader simply starts from the lower one.
//
// The tombstones' channel is watched only when tombstones exist under the
// prefix. Otherwise the radix tree can offer only an ancestor's channel,
// which every tombstone elsewhere would close; and it is not needed, since
// a tombstone appears under the prefix only when a key there is deleted,
// which closes the KV channel already in ws.
func prefixIndex(ws memdb.WatchSet, txn *memdb.Txn, prefix string, entriesMax uint64, found bool) (uint64, error) {
	iter, err := txn.Get(TableTombstones, indexID+"_prefix", prefix)
	if err != nil {
		return 0, err
	}
	idx := entriesMax
	stones := false
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		stones = true
		idx = maxU64(idx, raw.(*Tombstone).Index)
	}
	if stones {
		ws.Add(iter.WatchCh())
		found = true
	}
	if !found {
		return 1, nil
	}
	return atLeastOne(idx), nil
}
