package state

import (
	"errors"
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// TxnRW applies ops all or nothing in one memdb write transaction. It stops
// at the first failing op and returns a single error naming it; on success
// it returns the results of the ops that produce one, in order.
func (s *Store) TxnRW(idx uint64, ops catalog.TxnOps) ([]*catalog.TxnResult, []*catalog.TxnError) {
	if errs := checkTxnSize(ops); errs != nil {
		return nil, errs
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	results, errs := runTxn(txn, idx, ops, true)
	if errs != nil {
		return nil, errs
	}
	s.commit(txn)
	return results, nil
}

// TxnRO runs a transaction of read verbs (get, get-tree, check-index,
// check-not-exists, check-session) against one consistent read snapshot.
func (s *Store) TxnRO(ops catalog.TxnOps) ([]*catalog.TxnResult, []*catalog.TxnError) {
	if errs := checkTxnSize(ops); errs != nil {
		return nil, errs
	}
	txn := s.db.Txn(false)
	defer txn.Abort()
	return runTxn(txn, 0, ops, false)
}

func checkTxnSize(ops catalog.TxnOps) []*catalog.TxnError {
	if len(ops) <= catalog.MaxTxnOps {
		return nil
	}
	return []*catalog.TxnError{{
		OpIndex: catalog.MaxTxnOps,
		What:    fmt.Sprintf("transaction contains too many operations (%d > %d)", len(ops), catalog.MaxTxnOps),
	}}
}

func runTxn(txn *memdb.Txn, idx uint64, ops catalog.TxnOps, write bool) ([]*catalog.TxnResult, []*catalog.TxnError) {
	var results []*catalog.TxnResult
	for i, op := range ops {
		res, err := txnOp(txn, idx, op, write)
		if err != nil {
			return nil, []*catalog.TxnError{{OpIndex: i, What: txnWhat(err)}}
		}
		results = append(results, res...)
	}
	return results, nil
}

// txnWhat drops the "Bad request: " prefix: a transaction error is reported
// inside a response body, where the prefix would only be noise.
func txnWhat(err error) string {
	var br *catalog.BadRequest
	if errors.As(err, &br) {
		return br.Msg
	}
	return err.Error()
}

func txnOp(txn *memdb.Txn, idx uint64, op *catalog.TxnOp, write bool) ([]*catalog.TxnResult, error) {
	if op == nil || op.KV == nil {
		return nil, errors.New("missing KV operation")
	}
	verb, in := op.KV.Verb, &op.KV.Entry
	if !verb.Valid() {
		return nil, fmt.Errorf("unknown KV verb %q", verb)
	}
	if !write && verb.IsWrite() {
		return nil, fmt.Errorf("verb %q is not allowed in a read-only transaction", verb)
	}
	existing, err := getKVTxn(txn, in.Key)
	if err != nil {
		return nil, err
	}

	switch verb {
	case catalog.KVSet:
		if err := kvSetTxn(txn, idx, in); err != nil {
			return nil, err
		}
		return storedResult(txn, in.Key)
	case catalog.KVCAS:
		ok, err := kvSetCASTxn(txn, idx, in)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, casFailure(existing, in.Key, in.ModifyIndex)
		}
		return storedResult(txn, in.Key)
	case catalog.KVDelete:
		return nil, kvDeleteTxn(txn, idx, in.Key)
	case catalog.KVDeleteCAS:
		ok, err := kvDeleteCASTxn(txn, idx, in.ModifyIndex, in.Key)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, casFailure(existing, in.Key, in.ModifyIndex)
		}
		return nil, nil
	case catalog.KVDeleteTree:
		return nil, kvDeleteTreeTxn(txn, idx, in.Key)
	case catalog.KVGet:
		if existing == nil {
			return nil, fmt.Errorf("key %q does not exist", in.Key)
		}
		e := *existing
		return []*catalog.TxnResult{{KV: &e}}, nil
	case catalog.KVGetTree:
		return getTreeResults(txn, in.Key)
	case catalog.KVCheckIndex:
		if existing == nil {
			return nil, fmt.Errorf("key %q does not exist", in.Key)
		}
		if existing.ModifyIndex != in.ModifyIndex {
			return nil, fmt.Errorf("current modify index %d != %d", existing.ModifyIndex, in.ModifyIndex)
		}
		return []*catalog.TxnResult{{KV: withoutValue(existing)}}, nil
	case catalog.KVCheckNotExists:
		if existing != nil {
			return nil, fmt.Errorf("key %q exists", in.Key)
		}
		return nil, nil
	case catalog.KVCheckSession:
		if existing == nil {
			return nil, fmt.Errorf("key %q does not exist", in.Key)
		}
		if existing.Session != in.Session {
			return nil, fmt.Errorf("key %q is not locked by session %q", in.Key, in.Session)
		}
		return []*catalog.TxnResult{{KV: withoutValue(existing)}}, nil
	case catalog.KVLock:
		ok, err := kvLockTxn(txn, idx, in)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("failed to lock key %q, lock is already held", in.Key)
		}
		return storedResult(txn, in.Key)
	case catalog.KVUnlock:
		ok, err := kvUnlockTxn(txn, idx, in)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("failed to unlock key %q, lock isn't held, or is held by another session", in.Key)
		}
		return storedResult(txn, in.Key)
	}
	return nil, fmt.Errorf("unknown KV verb %q", verb)
}

// casFailure says why a check-and-set was refused, given the entry as it
// was before the op.
func casFailure(existing *catalog.KVEntry, key string, cas uint64) error {
	switch {
	case existing == nil:
		return fmt.Errorf("key %q does not exist", key)
	case cas == 0:
		return fmt.Errorf("key %q exists", key)
	default:
		return fmt.Errorf("current modify index %d != %d", existing.ModifyIndex, cas)
	}
}

// storedResult reports a written entry without its value, as Consul does:
// the caller already has the value, and echoing it doubles the reply.
func storedResult(txn *memdb.Txn, key string) ([]*catalog.TxnResult, error) {
	e, err := getKVTxn(txn, key)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("key %q does not exist", key)
	}
	return []*catalog.TxnResult{{KV: withoutValue(e)}}, nil
}

func withoutValue(e *catalog.KVEntry) *catalog.KVEntry {
	c := *e
	c.Value = nil
	return &c
}

func getTreeResults(txn *memdb.Txn, prefix string) ([]*catalog.TxnResult, error) {
	iter, err := txn.Get(TableKVs, indexID+"_prefix", prefix)
	if err != nil {
		return nil, err
	}
	var out []*catalog.TxnResult
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		e := *raw.(*catalog.KVEntry)
		out = append(out, &catalog.TxnResult{KV: &e})
	}
	return out, nil
}
