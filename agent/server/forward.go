package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/hashicorp/raft"
)

// errNotLeader is how local work says "leadership moved; route again".
var errNotLeader = errors.New("not the leader")

// route runs local on this server when it may answer, and otherwise
// forwards the call to the leader, waiting up to the hold timeout for one
// to exist. local is run only on the leader, or on any server when
// stale is true.
//
// The hold time counts from the first failure, not from the request: a
// blocking query parked for minutes on a leader that then dies still gets
// the full hold time to find the next leader.
func (s *Server) route(ctx context.Context, method, dc string, stale, write bool, args, reply interface{}, local func() error) error {
	if !s.router.IsLocal(dc) {
		return s.forwardDC(ctx, method, dc, write, args, reply)
	}
	if stale && !write {
		return local()
	}
	var hold rpc.HoldTimer
	defer hold.Stop()
	for attempt := 0; ; attempt++ {
		var err error
		if s.IsLeader() {
			err = s.whenReady(ctx, local)
			if !errors.Is(err, errNotLeader) {
				return err
			}
		} else if leader := s.Leader(); leader != "" {
			s.metrics.RPCForwarded(method)
			err = s.pool.Call(ctx, leader, method, args, reply)
			if !retryable(err, write) {
				return err
			}
		}
		// No leader, or it moved under us: wait a little and look again,
		// unless the hold time or the caller's patience is spent.
		// Looking again is cheap (local Raft state), and an election
		// takes a second or two: poll briskly so the first request after
		// it does not sit out a long backoff.
		wait := time.Duration(10+rand.IntN(20)) * time.Millisecond * time.Duration(min(attempt+1, 3))
		select {
		case <-time.After(wait):
		case <-hold.Start(s.cfg.RPCHoldTimeout):
			if err != nil && !errors.Is(err, errNotLeader) && !errors.Is(err, catalog.ErrNoLeader) {
				return fmt.Errorf("%w (last error: %v)", catalog.ErrNoLeader, err)
			}
			return catalog.ErrNoLeader
		case <-ctx.Done():
			return ctx.Err()
		case <-s.shutdownCh:
			return catalog.ErrNoLeader
		}
	}
}

// retryable reports whether a forwarded call may be sent again. A write
// is retried only when it certainly did not reach a state machine: the
// leader said it has none, or the connection never opened.
func retryable(err error, write bool) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, catalog.ErrNoLeader) {
		return true
	}
	if write {
		return rpc.NotSent(err)
	}
	return rpc.IsTransport(err)
}

// whenReady runs fn once this leader has applied everything committed
// before it took office, so it never answers from a stale replica.
func (s *Server) whenReady(ctx context.Context, fn func() error) error {
	select {
	case <-s.ready.wait():
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(s.cfg.RPCHoldTimeout):
		return errNotLeader
	}
	// Ready for the term Raft is in now, not for an earlier term of ours.
	if !s.IsLeader() || !s.ready.readyFor(s.raft.CurrentTerm()) {
		return errNotLeader
	}
	return fn()
}

// raftApply commits a command and returns the state machine's answer. It
// returns only after the entry is committed and applied here, which is
// what makes an acknowledged write durable.
func (s *Server) raftApply(t fsm.MessageType, msg interface{}) (interface{}, error) {
	buf, err := fsm.Encode(t, msg)
	if err != nil {
		return nil, fmt.Errorf("encode command: %w", err)
	}
	start := time.Now()
	f := s.raft.Apply(buf, 30*time.Second)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			// Not appended anywhere: safe to route again.
			return nil, errNotLeader
		case errors.Is(err, raft.ErrLeadershipLost):
			return nil, fmt.Errorf("leadership lost while committing; the write may or may not have been applied, read it back before retrying: %w", err)
		}
		return nil, err
	}
	s.metrics.RaftApplied(time.Since(start))
	if rerr, ok := f.Response().(error); ok {
		return nil, rerr
	}
	return f.Response(), nil
}
