package server

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/raft"
)

// Follower reads (ARCHITECTURE.md, "Follower reads"): a follower answers
// a default or ?consistent read from its own replica once it has applied
// a read index the leader handed out after its leadership check.
const (
	// readIndexTimeout bounds the call for a read index: a follower cut
	// off from the leader gives up after it and routes the read as before.
	readIndexTimeout = 2 * time.Second
	// readIndexApplyWait bounds how long a follower waits for its replica
	// to reach the read index before it routes the read as before.
	readIndexApplyWait = 2 * time.Second
	// readIndexMaxWalk bounds how far back from the commit index the
	// leader looks for an entry the FSM sees.
	readIndexMaxWalk = 64
)

// errReadIndex says a follower could not read locally; the read is
// routed (forwarded to the leader) instead.
var errReadIndex = errors.New("no read index")

// statusReadIndex hands out a read index. It needs no token, as
// Status.Leader does: it reveals a Raft index, which X-Consul-Index on
// any read reveals too.
func (s *Server) statusReadIndex(ctx context.Context, args *catalog.ReadIndexRequest, reply *catalog.ReadIndexReply) error {
	if err := s.router.Check(args.Datacenter); err != nil {
		return err
	}
	if !s.IsLeader() {
		return errNotLeader
	}
	return s.whenReady(ctx, func() error {
		if args.Consistent {
			if err := s.raft.VerifyLeader().Error(); err != nil {
				return errNotLeader
			}
		}
		idx, err := s.visibleCommitIndex()
		if err != nil {
			return err
		}
		reply.Index = idx
		return nil
	})
}

// visibleCommitIndex is the newest command or configuration entry at or
// below the commit index: the FSM never sees raft's no-op and barrier
// entries, so a replica's applied index would never reach one of those.
func (s *Server) visibleCommitIndex() (uint64, error) {
	commit := s.raft.CommitIndex()
	if idx, ok := s.visible.get(commit); ok {
		return idx, nil
	}
	idx, err := s.walkToVisible(commit)
	if err == nil {
		s.visible.set(commit, idx)
	}
	return idx, err
}

// visibleIndexCache remembers the answer of visibleCommitIndex for the
// commit index it was computed at: every read at the leader asks, and the
// answer changes only when the commit index does.
type visibleIndexCache struct {
	mu             sync.Mutex
	commit, result uint64
}

func (c *visibleIndexCache) get(commit uint64) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.result, commit != 0 && c.commit == commit
}

func (c *visibleIndexCache) set(commit, result uint64) {
	c.mu.Lock()
	c.commit, c.result = commit, result
	c.mu.Unlock()
}

// walkToVisible walks back from idx to the newest entry the FSM sees.
func (s *Server) walkToVisible(idx uint64) (uint64, error) {
	var l raft.Log
	for n := 0; n < readIndexMaxWalk && idx > 0; n++ {
		if err := s.stores.logs.GetLog(idx, &l); err != nil {
			return 0, fmt.Errorf("read index: log entry %d: %w", idx, err)
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return idx, nil
		}
		idx--
	}
	return 0, fmt.Errorf("read index: no command within %d entries of the commit index", readIndexMaxWalk)
}

// leaderCaughtUp waits until the leader's own FSM has applied its read
// index, so a read at the leader never misses what a follower, which may
// apply a committed entry before the leader's FSM does, already showed.
// When the index cannot be found (a log hole after a snapshot restore),
// the leader's store already holds everything below it: no wait.
func (s *Server) leaderCaughtUp() error {
	idx, err := s.visibleCommitIndex()
	if err != nil || s.fsm.AppliedIndex() >= idx {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), readIndexApplyWait)
	defer cancel()
	if err := s.fsm.WaitApplied(ctx, idx); err != nil {
		return errNotLeader
	}
	return nil
}

// readsLocally reports whether q, received by this server, is a read it
// answers from its replica through a read index.
func (s *Server) readsLocally(q *catalog.QueryOptions) bool {
	if q.AllowStale || s.IsLeader() || s.Leader() == "" {
		return false
	}
	return q.Datacenter == "" || q.Datacenter == s.cfg.Datacenter
}

// followerRead runs a read on this follower's replica, re-establishing a
// read index before every run of the blocking loop. errReadIndex means
// it could not, and reply was reset for the caller to route the read.
func (s *Server) followerRead(ctx context.Context, q *catalog.QueryOptions, reply interface{}, meta *catalog.QueryMeta, fn queryFn) error {
	err := s.blockingQueryWith(ctx, q, meta, fn, func() error { return s.awaitReadIndex(q.RequireConsistent) })
	if errors.Is(err, errReadIndex) {
		// A run before the failure may have filled reply; the forwarded
		// answer must not inherit fields it leaves empty.
		v := reflect.ValueOf(reply).Elem()
		v.Set(reflect.Zero(v.Type()))
	}
	return err
}

// awaitReadIndex gets a read index from the leader (shared with the
// other reads waiting for one) and waits until this replica applied it.
func (s *Server) awaitReadIndex(consistent bool) error {
	idx, err := s.readIndexes.get(consistent)
	if err != nil {
		return fmt.Errorf("%w: %v", errReadIndex, err)
	}
	if s.fsm.AppliedIndex() >= idx {
		// The common case, and the only one when thousands of blocking
		// queries woke because this replica applied a change: no timer.
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), readIndexApplyWait)
	defer cancel()
	if err := s.fsm.WaitApplied(ctx, idx); err != nil {
		return fmt.Errorf("%w: replica did not reach index %d: %v", errReadIndex, idx, err)
	}
	return nil
}

// fetchReadIndex asks the current leader for a read index.
func (s *Server) fetchReadIndex(consistent bool) (uint64, error) {
	leader := s.Leader()
	if leader == "" {
		return 0, catalog.ErrNoLeader
	}
	ctx, cancel := context.WithTimeout(context.Background(), readIndexTimeout)
	defer cancel()
	var reply catalog.ReadIndexReply
	args := &catalog.ReadIndexRequest{Datacenter: s.cfg.Datacenter, Consistent: consistent}
	if err := s.pool.Call(ctx, leader, catalog.MethodStatusReadIndex, args, &reply); err != nil {
		return 0, err
	}
	return reply.Index, nil
}

// readIndexes shares read-index calls among concurrent reads, one
// sharedIndex per mode: a default read's index must not stand in for a
// ?consistent one.
type readIndexes struct {
	byMode [2]sharedIndex
}

func newReadIndexes(fetch func(consistent bool) (uint64, error)) *readIndexes {
	r := &readIndexes{}
	r.byMode[0].fetch = func() (uint64, error) { return fetch(false) }
	r.byMode[1].fetch = func() (uint64, error) { return fetch(true) }
	return r
}

func (r *readIndexes) get(consistent bool) (uint64, error) {
	if consistent {
		return r.byMode[1].get()
	}
	return r.byMode[0].get()
}

// sharedIndex runs fetch for many callers, at most one call at a time.
// A caller that arrives while a call is in flight waits for the next one,
// which starts when the current one ends and serves everyone who arrived
// meanwhile: each caller's index comes from a call that started after the
// caller arrived, which is what makes it valid for that caller's read.
type sharedIndex struct {
	fetch func() (uint64, error)

	mu      sync.Mutex
	running bool
	next    *indexCall // the call the callers arriving now will share
}

type indexCall struct {
	done    chan struct{}
	callers int // how many share it (for tests and reasoning, not logic)
	index   uint64
	err     error
}

func (s *sharedIndex) get() (uint64, error) {
	s.mu.Lock()
	if s.next == nil {
		s.next = &indexCall{done: make(chan struct{})}
	}
	c := s.next
	c.callers++
	if !s.running {
		s.running = true
		s.next = nil
		go s.run(c)
	}
	s.mu.Unlock()
	<-c.done
	return c.index, c.err
}

// run performs c, then whatever call gathered callers meanwhile, until
// none did.
func (s *sharedIndex) run(c *indexCall) {
	for c != nil {
		c.index, c.err = s.fetch()
		close(c.done)
		s.mu.Lock()
		c = s.next
		s.next = nil
		if c == nil {
			s.running = false
		}
		s.mu.Unlock()
	}
}
