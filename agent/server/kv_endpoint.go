package server

import (
	"context"
	"fmt"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
)

func (s *Server) kvApply(ctx context.Context, args *catalog.KVRequest, reply *bool) error {
	if err := validateKVOp(args.Op, &args.Entry); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodKVApply, args.Datacenter, false, true, args, reply, func() error {
		defer s.measure("kvs_apply", time.Now())
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if err := vetKVOp(authz, args.Op, args.Entry.Key); err != nil {
			return err
		}
		// Lock-delay is decided here, once, by the leader's clock: a key
		// whose holder's session ended recently is refused to everyone.
		if args.Op == catalog.KVLock && inLockDelay(s.fsm.State(), args.Entry.Key) {
			*reply = false
			return nil
		}
		resp, err := s.raftApply(fsm.KVSRequestType, args)
		if err != nil {
			return err
		}
		ok, isBool := resp.(bool)
		*reply = !isBool || ok
		return nil
	})
}

func validateKVOp(op catalog.KVOp, e *catalog.KVEntry) error {
	if err := catalog.CheckKVKey(e.Key); err != nil {
		return err
	}
	switch op {
	case catalog.KVSet, catalog.KVCAS, catalog.KVDelete, catalog.KVDeleteCAS:
		if e.Key == "" {
			return catalog.BadRequestf("Missing key name")
		}
	case catalog.KVDeleteTree:
	case catalog.KVLock, catalog.KVUnlock:
		if e.Key == "" {
			return catalog.BadRequestf("Missing key name")
		}
		if e.Session == "" {
			return catalog.BadRequestf("Missing session")
		}
	default:
		return catalog.BadRequestf(fmt.Sprintf("unknown KV operation %q", op))
	}
	if len(e.Value) > catalog.MaxKVSize {
		return catalog.BadRequestf(fmt.Sprintf("value of %d bytes exceeds the limit of %d bytes", len(e.Value), catalog.MaxKVSize))
	}
	return nil
}

// inLockDelay reports whether key may not be acquired yet.
func inLockDelay(st *state.Store, key string) bool {
	return time.Now().Before(st.KVLockDelay(key))
}

func (s *Server) kvGet(ctx context.Context, args *catalog.KeyRequest, reply *catalog.IndexedKVEntries) error {
	return s.read(ctx, catalog.MethodKVGet, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if !authz.KeyRead(args.Key) {
			return catalog.ErrPermissionDenied
		}
		idx, e, err := st.KVGet(ws, args.Key)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Entries = nil
		if e != nil {
			reply.Entries = []*catalog.KVEntry{e}
		}
		return nil
	})
}

func (s *Server) kvList(ctx context.Context, args *catalog.KeyRequest, reply *catalog.IndexedKVEntries) error {
	return s.read(ctx, catalog.MethodKVList, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		reply.Index, reply.Entries, err = st.KVList(ws, args.Key)
		reply.Entries, reply.ResultsFilteredByACLs = keep(reply.Entries, func(e *catalog.KVEntry) bool { return authz.KeyRead(e.Key) })
		return err
	})
}

func (s *Server) kvListKeys(ctx context.Context, args *catalog.KeyListRequest, reply *catalog.IndexedKeyList) error {
	return s.read(ctx, catalog.MethodKVListKeys, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if !authz.KeyList(args.Prefix) {
			return catalog.ErrPermissionDenied
		}
		reply.Index, reply.Keys, err = st.KVKeys(ws, args.Prefix, args.Separator)
		reply.Keys, reply.ResultsFilteredByACLs = keep(reply.Keys, func(k string) bool { return authz.KeyRead(k) })
		return err
	})
}
