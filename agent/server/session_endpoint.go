package server

import (
	"context"
	"fmt"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-uuid"
)

// sessionApply creates a session (the leader picks its ID before the
// command enters the log) or destroys one. Destroying an unknown session
// succeeds: the caller wanted it gone, and it is.
func (s *Server) sessionApply(ctx context.Context, args *catalog.SessionRequest, reply *string) error {
	if err := s.validateSession(args); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodSessionApply, args.Datacenter, false, true, args, reply, func() error {
		defer s.measure("session_apply", time.Now())
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		st := s.fsm.State()
		switch args.Op {
		case catalog.SessionCreate:
			if !authz.SessionWrite(args.Session.Node) {
				return catalog.ErrPermissionDenied
			}
			if args.Session.ID, err = newSessionID(st); err != nil {
				return err
			}
		case catalog.SessionDestroy:
			_, existing, err := st.SessionGet(nil, args.Session.ID)
			if err != nil {
				return err
			}
			if existing == nil {
				*reply = args.Session.ID
				return nil
			}
			if !authz.SessionWrite(existing.Node) {
				return catalog.ErrPermissionDenied
			}
		}
		if _, err := s.raftApply(fsm.SessionRequestType, args); err != nil {
			return err
		}
		if args.Op == catalog.SessionCreate {
			s.resetSessionTimer(&args.Session)
		} else {
			s.sessionTimers.stop(args.Session.ID)
		}
		*reply = args.Session.ID
		return nil
	})
}

// validateSession checks a session write before it is routed. A TTL out
// of range is answered with Consul's wording, which Patroni recognises
// and reacts to by adjusting its TTL.
func (s *Server) validateSession(args *catalog.SessionRequest) error {
	sess := &args.Session
	switch args.Op {
	case catalog.SessionDestroy:
		if sess.ID == "" {
			return catalog.BadRequestf("Missing session ID")
		}
		return nil
	case catalog.SessionCreate:
	default:
		return catalog.BadRequestf(fmt.Sprintf("Invalid session operation %q", args.Op))
	}
	if sess.Node == "" {
		return catalog.BadRequestf("Missing node name")
	}
	switch sess.Behavior {
	case "":
		sess.Behavior = catalog.SessionRelease
	case catalog.SessionRelease, catalog.SessionDelete:
	default:
		return catalog.BadRequestf(fmt.Sprintf("Invalid Behavior setting %q", sess.Behavior))
	}
	if sess.LockDelay < 0 || sess.LockDelay > catalog.MaxLockDelay {
		return catalog.BadRequestf(fmt.Sprintf("Invalid LockDelay %s: must be between 0s and %s", sess.LockDelay, catalog.MaxLockDelay))
	}
	if sess.TTL == "" {
		return nil
	}
	ttl, err := time.ParseDuration(sess.TTL)
	if err != nil {
		return catalog.BadRequestf(fmt.Sprintf("Session TTL '%s' invalid: %v", sess.TTL, err))
	}
	if ttl != 0 && (ttl < s.cfg.SessionTTLMin || ttl > catalog.SessionTTLMax) {
		return fmt.Errorf("Invalid Session TTL '%s', must be between [%v=%v]", sess.TTL, s.cfg.SessionTTLMin, catalog.SessionTTLMax)
	}
	return nil
}

func newSessionID(st *state.Store) (string, error) {
	for i := 0; i < 10; i++ {
		id, err := uuid.GenerateUUID()
		if err != nil {
			return "", err
		}
		if _, existing, err := st.SessionGet(nil, id); err != nil {
			return "", err
		} else if existing == nil {
			return id, nil
		}
	}
	return "", fmt.Errorf("no unused session ID found")
}

// sessionRenew restarts a session's TTL timer on the leader and answers
// the session; an unknown (or already expired) one is ErrNotFound.
func (s *Server) sessionRenew(ctx context.Context, args *catalog.SessionSpecificRequest, reply *catalog.IndexedSessions) error {
	if args.SessionID == "" {
		return catalog.BadRequestf("Missing session ID")
	}
	return s.route(ctx, catalog.MethodSessionRenew, args.Datacenter, false, true, args, reply, func() error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, sess, err := s.fsm.State().SessionGet(nil, args.SessionID)
		if err != nil {
			return err
		}
		if sess == nil {
			return fmt.Errorf("%w: session %q", catalog.ErrNotFound, args.SessionID)
		}
		if !authz.SessionWrite(sess.Node) {
			return catalog.ErrPermissionDenied
		}
		s.resetSessionTimer(sess)
		reply.Sessions = []*catalog.Session{sess}
		s.setQueryMeta(&reply.QueryMeta)
		reply.Index = idx
		return nil
	})
}

func (s *Server) sessionGet(ctx context.Context, args *catalog.SessionSpecificRequest, reply *catalog.IndexedSessions) error {
	return s.read(ctx, catalog.MethodSessionGet, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, sess, err := st.SessionGet(ws, args.SessionID)
		if err != nil {
			return err
		}
		reply.Index, reply.Sessions = idx, nil
		if sess != nil {
			reply.Sessions = []*catalog.Session{sess}
		}
		reply.Sessions, reply.ResultsFilteredByACLs = keep(reply.Sessions, func(x *catalog.Session) bool { return authz.SessionRead(x.Node) })
		return nil
	})
}

func (s *Server) sessionList(ctx context.Context, args *catalog.DCRequest, reply *catalog.IndexedSessions) error {
	return s.read(ctx, catalog.MethodSessionList, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		reply.Index, reply.Sessions, err = st.SessionList(ws)
		reply.Sessions, reply.ResultsFilteredByACLs = keep(reply.Sessions, func(x *catalog.Session) bool { return authz.SessionRead(x.Node) })
		return err
	})
}

func (s *Server) sessionNode(ctx context.Context, args *catalog.NodeRequest, reply *catalog.IndexedSessions) error {
	return s.read(ctx, catalog.MethodSessionNode, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		reply.Index, reply.Sessions, err = st.NodeSessions(ws, args.Node)
		reply.Sessions, reply.ResultsFilteredByACLs = keep(reply.Sessions, func(x *catalog.Session) bool { return authz.SessionRead(x.Node) })
		return err
	})
}
