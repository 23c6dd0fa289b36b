package state

import (
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// KVSet writes an entry, keeping the CreateIndex, LockIndex and Session of
// an existing one: only the lock verbs may change who holds a key.
func (s *Store) KVSet(idx uint64, e *catalog.KVEntry) error {
	if e == nil {
		return badRequest("missing KV entry")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := kvSetTxn(txn, idx, e); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// KVSetCAS writes e only if the key is absent (e.ModifyIndex 0) or its
// current ModifyIndex equals e.ModifyIndex, and reports whether it wrote.
func (s *Store) KVSetCAS(idx uint64, e *catalog.KVEntry) (bool, error) {
	if e == nil {
		return false, badRequest("missing KV entry")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	ok, err := kvSetCASTxn(txn, idx, e)
	if err != nil || !ok {
		return false, err
	}
	s.commit(txn)
	return true, nil
}

// KVLock acquires key for e.Session and writes e's value and flags, and
// reports whether it did: a key held by another session is refused. A
// new holder raises LockIndex; the holder acquiring again keeps it. The
// session must exist. Lock-delay is the leader's to enforce before the
// command is logged (KVLockDelay).
func (s *Store) KVLock(idx uint64, e *catalog.KVEntry) (bool, error) {
	if e == nil {
		return false, badRequest("missing KV entry")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	ok, err := kvLockTxn(txn, idx, e)
	if err != nil || !ok {
		return false, err
	}
	s.commit(txn)
	return true, nil
}

// KVUnlock releases key if e.Session holds it, writing e's value and
// flags and keeping LockIndex, and reports whether it did.
func (s *Store) KVUnlock(idx uint64, e *catalog.KVEntry) (bool, error) {
	if e == nil {
		return false, badRequest("missing KV entry")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	ok, err := kvUnlockTxn(txn, idx, e)
	if err != nil || !ok {
		return false, err
	}
	s.commit(txn)
	return true, nil
}

// errInvalidSession is the error of an acquisition with a session that
// does not exist; Patroni recognises Consul's wording.
func errInvalidSession(id string) error {
	return fmt.Errorf("invalid session %q", id)
}

func kvLockTxn(txn *memdb.Txn, idx uint64, in *catalog.KVEntry) (bool, error) {
	if in.Key == "" {
		return false, badRequest("missing key")
	}
	if in.Session == "" {
		return false, badRequest("missing session")
	}
	sess, err := getSessionTxn(txn, in.Session)
	if err != nil {
		return false, err
	}
	if sess == nil {
		return false, errInvalidSession(in.Session)
	}
	existing, err := getKVTxn(txn, in.Key)
	if err != nil {
		return false, err
	}
	e := copyEntry(in)
	e.CreateIndex, e.ModifyIndex, e.LockIndex = idx, idx, 1
	if existing != nil {
		if existing.Session != "" && existing.Session != in.Session {
			return false, nil
		}
		e.CreateIndex = existing.CreateIndex
		e.LockIndex = existing.LockIndex
		if existing.Session != in.Session {
			e.LockIndex++
		}
	}
	if err := txn.Insert(TableKVs, e); err != nil {
		return false, err
	}
	return true, indexUpdate(txn, idx, TableKVs)
}

func kvUnlockTxn(txn *memdb.Txn, idx uint64, in *catalog.KVEntry) (bool, error) {
	if in.Key == "" {
		return false, badRequest("missing key")
	}
	if in.Session == "" {
		return false, badRequest("missing session")
	}
	existing, err := getKVTxn(txn, in.Key)
	if err != nil {
		return false, err
	}
	if existing == nil || existing.Session != in.Session {
		return false, nil
	}
	e := copyEntry(in)
	e.Session = ""
	e.CreateIndex, e.ModifyIndex, e.LockIndex = existing.CreateIndex, idx, existing.LockIndex
	if err := txn.Insert(TableKVs, e); err != nil {
		return false, err
	}
	return true, indexUpdate(txn, idx, TableKVs)
}

// copyEntry copies in with its own value buffer.
func copyEntry(in *catalog.KVEntry) *catalog.KVEntry {
	e := *in
	if in.Value != nil {
		e.Value = append(make([]byte, 0, len(in.Value)), in.Value...)
	}
	return &e
}

// KVDelete removes a key, leaving a tombstone. A missing key is a no-op.
func (s *Store) KVDelete(idx uint64, key string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := kvDeleteTxn(txn, idx, key); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// KVDeleteCAS removes key only if its ModifyIndex equals cas, and reports
// whether the key is now gone; as in Consul, a key that is already absent
// counts as deleted.
func (s *Store) KVDeleteCAS(idx uint64, cas uint64, key string) (bool, error) {
	txn := s.writeTxn()
	defer s.abort(txn)
	ok, err := kvDeleteCASTxn(txn, idx, cas, key)
	if err != nil || !ok {
		return ok, err
	}
	s.commit(txn)
	return true, nil
}

// KVDeleteTree removes every key under prefix, leaving a tombstone for each.
func (s *Store) KVDeleteTree(idx uint64, prefix string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := kvDeleteTreeTxn(txn, idx, prefix); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// ReapTombstones drops the tombstones with index <= idx. Only the
// watchers of the reaped tombstones' keys and prefixes are woken, and
// their indexes do not rise (see prefixIndex), so none of them answers.
// Nothing due means nothing written.
func (s *Store) ReapTombstones(idx uint64) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	iter, err := txn.Get(TableTombstones, indexReap)
	if err != nil {
		return err
	}
	var reaped []*Tombstone
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		t := raw.(*Tombstone)
		if t.Index > idx {
			break
		}
		reaped = append(reaped, t)
	}
	if len(reaped) == 0 {
		return nil
	}
	for _, t := range reaped {
		if err := txn.Delete(TableTombstones, t); err != nil {
			return err
		}
	}
	s.commit(txn)
	return nil
}

// OldestTombstone is the index of the oldest tombstone, or 0 when there
// is none: the leader reaps only when one is due.
func (s *Store) OldestTombstone() (uint64, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	raw, err := txn.First(TableTombstones, indexReap)
	if err != nil || raw == nil {
		return 0, err
	}
	return raw.(*Tombstone).Index, nil
}

func getKVTxn(txn *memdb.Txn, key string) (*catalog.KVEntry, error) {
	raw, err := txn.First(TableKVs, indexID, key)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.KVEntry), nil
}

// kvSetTxn stores a copy of in, so the caller's entry and buffer stay its own.
func kvSetTxn(txn *memdb.Txn, idx uint64, in *catalog.KVEntry) error {
	if in.Key == "" {
		return badRequest("missing key")
	}
	existing, err := getKVTxn(txn, in.Key)
	if err != nil {
		return err
	}
	e := *in
	if in.Value != nil {
		e.Value = append(make([]byte, 0, len(in.Value)), in.Value...)
	}
	e.CreateIndex, e.ModifyIndex = idx, idx
	e.LockIndex, e.Session = 0, ""
	if existing != nil {
		e.CreateIndex = existing.CreateIndex
		e.LockIndex = existing.LockIndex
		e.Session = existing.Session
	}
	if err := txn.Insert(TableKVs, &e); err != nil {
		return err
	}
	return indexUpdate(txn, idx, TableKVs)
}

func kvSetCASTxn(txn *memdb.Txn, idx uint64, e *catalog.KVEntry) (bool, error) {
	if e.Key == "" {
		return false, badRequest("missing key")
	}
	existing, err := getKVTxn(txn, e.Key)
	if err != nil {
		return false, err
	}
	if e.ModifyIndex == 0 && existing != nil {
		return false, nil
	}
	if e.ModifyIndex != 0 && (existing == nil || existing.ModifyIndex != e.ModifyIndex) {
		return false, nil
	}
	return true, kvSetTxn(txn, idx, e)
}

func kvDeleteTxn(txn *memdb.Txn, idx uint64, key string) error {
	existing, err := getKVTxn(txn, key)
	if err != nil || existing == nil {
		return err
	}
	if err := deleteWithTombstone(txn, idx, existing); err != nil {
		return err
	}
	return indexUpdate(txn, idx, TableKVs, TableTombstones)
}

func kvDeleteCASTxn(txn *memdb.Txn, idx uint64, cas uint64, key string) (bool, error) {
	existing, err := getKVTxn(txn, key)
	if err != nil {
		return false, err
	}
	if existing == nil {
		return true, nil
	}
	if existing.ModifyIndex != cas {
		return false, nil
	}
	return true, kvDeleteTxn(txn, idx, key)
}

func kvDeleteTreeTxn(txn *memdb.Txn, idx uint64, prefix string) error {
	iter, err := txn.Get(TableKVs, indexID+"_prefix", prefix)
	if err != nil {
		return err
	}
	var doomed []*catalog.KVEntry
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		doomed = append(doomed, raw.(*catalog.KVEntry))
	}
	if len(doomed) == 0 {
		return nil
	}
	for _, e := range doomed {
		if err := deleteWithTombstone(txn, idx, e); err != nil {
			return err
		}
	}
	return indexUpdate(txn, idx, TableKVs, TableTombstones)
}

func deleteWithTombstone(txn *memdb.Txn, idx uint64, e *catalog.KVEntry) error {
	if err := txn.Delete(TableKVs, e); err != nil {
		return err
	}
	return txn.Insert(TableTombstones, &Tombstone{Key: e.Key, Index: idx})
}
