package state

import "github.com/hashicorp/go-memdb"

// entryState is what the current entry of a batch did with its write.
type entryState uint8

const (
	entryIdle      entryState = iota // no write opened (e.g. a decode error)
	entryOpen                        // a write opened, neither committed nor aborted yet
	entryCommitted                   // the write called commit
	entryAborted                     // the write gave up: its changes must not survive
)

// batch is the one memdb write transaction the entries of a Batch share.
// Only the goroutine running Batch (raft's FSM goroutine) touches it.
type batch struct {
	txn   *memdb.Txn
	state entryState
}

// writeTxn opens the write transaction of one store write: its own, or
// the batch's while a Batch runs. Every write method opens it with
// defer s.abort(txn) and ends with s.commit(txn).
func (s *Store) writeTxn() *memdb.Txn {
	if b := s.batch; b != nil {
		b.state = entryOpen
		return b.txn
	}
	return s.db.Txn(true)
}

// commit ends a write: memdb's commit, or inside a batch a mark that this
// entry's changes stay.
func (s *Store) commit(txn *memdb.Txn) {
	if b := s.batch; b != nil {
		b.state = entryCommitted
		return
	}
	txn.Commit()
}

// abort is deferred by every write: outside a batch memdb's abort (a
// no-op after commit); inside one, a write that did not commit marks its
// entry aborted, so Batch drops whatever it may have changed.
func (s *Store) abort(txn *memdb.Txn) {
	if b := s.batch; b != nil {
		if b.state == entryOpen {
			b.state = entryAborted
		}
		return
	}
	txn.Abort()
}

// Batch runs apply(0), ..., apply(n-1) in order, each making at most one
// store write (one call of a write method), with the same effect on the
// store and the same results as n separate writes, but committing them to
// memdb together, so a blocking query wakes once per batch instead of once
// per entry and readers see either none or all of the batch.
//
// A write that gives up (an error, a failed check-and-set) may already have
// changed the shared transaction, and memdb cannot undo part of one. Batch
// then throws the transaction away, runs again the entries since the last
// commit whose writes stayed (their results do not change: a write is a
// function of the store and its arguments), commits them, and goes on in a
// new transaction. Each entry runs at most twice, and only when a later
// one failed. apply must therefore be safe to call twice for the same i.
//
// Batch must be called only by the store's single writer (the FSM).
func (s *Store) Batch(n int, apply func(i int)) {
	b := &batch{txn: s.db.Txn(true)}
	s.batch = b
	defer func() {
		s.batch = nil
		b.txn.Abort()
	}()
	var kept []int // entries since the last commit whose writes stay
	for i := 0; i < n; i++ {
		b.state = entryIdle
		apply(i)
		switch b.state {
		case entryCommitted:
			kept = append(kept, i)
			continue
		case entryAborted:
		default:
			continue
		}
		b.txn.Abort()
		b.txn = s.db.Txn(true)
		for _, j := range kept {
			b.state = entryIdle
			apply(j)
		}
		b.txn.Commit()
		b.txn = s.db.Txn(true)
		kept = kept[:0]
	}
	b.txn.Commit()
}
