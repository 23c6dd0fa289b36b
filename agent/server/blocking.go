package server

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
)

// queryFn reads from st, adds what it read to ws, and fills its reply,
// including meta.Index.
type queryFn func(ws memdb.WatchSet, st *state.Store) error

// blockingQuery runs fn and, when the caller passed an index, re-runs it
// each time a watched channel fires until the result's index passes the
// caller's or the wait runs out.
func (s *Server) blockingQuery(ctx context.Context, q *catalog.QueryOptions, meta *catalog.QueryMeta, fn queryFn) error {
	return s.blockingQueryWith(ctx, q, meta, fn, func() error { return s.consistentRead(q) })
}

// blockingQueryWith is blockingQuery with check, which confirms this
// server may answer q, made before every run of the query.
func (s *Server) blockingQueryWith(ctx context.Context, q *catalog.QueryOptions, meta *catalog.QueryMeta, fn queryFn, check func() error) error {
	var cancel context.CancelFunc
	if q.MinQueryIndex > 0 {
		defer s.metrics.BlockingQueryStarted()()
		wait := q.MaxQueryTime
		if wait <= 0 {
			wait = catalog.DefaultQueryTime
		}
		if wait > catalog.MaxQueryTime {
			wait = catalog.MaxQueryTime
		}
		wait += rand.N(wait/catalog.JitterFraction + 1)
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	for {
		// A check made before a long wait says nothing about the state
		// the query answers from after it: every run checks again.
		if err := check(); err != nil {
			return err
		}
		st := s.fsm.State()
		// A read that does not block collects no watch channels (memdb's
		// WatchSet is nil-safe): the set was a map and three inserts on
		// every plain read.
		var ws memdb.WatchSet
		if q.MinQueryIndex > 0 {
			ws = memdb.NewWatchSet()
			// A snapshot restore swaps the store; re-run against the new one.
			ws.Add(st.AbandonCh())
			// A server that stops answers at once with an error the caller
			// retries elsewhere.
			ws.Add(s.shutdownCh)
		}
		err := fn(ws, st)
		s.setQueryMeta(meta)
		if err != nil {
			return err
		}
		if meta.Index < 1 {
			meta.Index = 1
		}
		if q.MinQueryIndex == 0 || meta.Index > q.MinQueryIndex {
			return nil
		}
		if err := ws.WatchCtx(ctx); err != nil {
			// The wait ran out: answer with what we have, as Consul does.
			// A caller that went away gets nothing.
			if cancel != nil && ctx.Err() == context.DeadlineExceeded {
				if err := check(); err != nil {
					return err
				}
				return s.runOnce(fn, meta)
			}
			return ctx.Err()
		}
		select {
		case <-s.shutdownCh:
			return catalog.ErrNoLeader
		default:
		}
	}
}

// consistentRead confirms that this server may still answer q: any
// server for ?stale; for a default read, a server that Raft still has as
// leader (it steps down once its lease runs out without a quorum) and
// that is ready for its term; for ?consistent, also a quorum round
// (VerifyLeader), as Consul does; for both, a leader whose FSM has
// applied its read index (leaderCaughtUp). errNotLeader sends the
// caller's route to whichever server leads now.
func (s *Server) consistentRead(q *catalog.QueryOptions) error {
	if q.AllowStale && !q.RequireConsistent {
		return nil
	}
	if !s.IsLeader() || !s.ready.readyFor(s.raft.CurrentTerm()) {
		return errNotLeader
	}
	if q.RequireConsistent {
		if err := s.raft.VerifyLeader().Error(); err != nil {
			return errNotLeader
		}
	}
	return s.leaderCaughtUp()
}

func (s *Server) runOnce(fn queryFn, meta *catalog.QueryMeta) error {
	err := fn(nil, s.fsm.State())
	s.setQueryMeta(meta)
	if meta.Index < 1 {
		meta.Index = 1
	}
	return err
}

func (s *Server) setQueryMeta(m *catalog.QueryMeta) {
	if s.IsLeader() {
		m.LastContact = 0
		m.KnownLeader = true
		return
	}
	m.LastContact = time.Since(s.raft.LastContact())
	m.KnownLeader = s.Leader() != ""
}
