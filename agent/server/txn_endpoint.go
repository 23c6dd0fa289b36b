package server

import (
	"context"
	"fmt"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
)

func (s *Server) txnApply(ctx context.Context, args *catalog.TxnRequest, reply *catalog.TxnResponse) error {
	write, err := validateTxn(args.Ops)
	if err != nil {
		return err
	}
	dc := args.WriteRequest.Datacenter
	if dc == "" {
		dc = args.QueryOptions.Datacenter
	}
	if !write {
		return s.route(ctx, catalog.MethodTxnApply, dc, args.AllowStale, false, args, reply, func() error {
			if err := s.vetTxn(args); err != nil {
				return err
			}
			st := s.fsm.State()
			reply.Results, reply.Errors = st.TxnRO(args.Ops)
			s.setQueryMeta(&reply.QueryMeta)
			reply.Index = st.LastIndex()
			return nil
		})
	}
	return s.route(ctx, catalog.MethodTxnApply, dc, false, true, args, reply, func() error {
		defer s.measure("txn_apply", time.Now())
		if err := s.vetTxn(args); err != nil {
			return err
		}
		st := s.fsm.State()
		for i, op := range args.Ops {
			if op.KV.Verb == catalog.KVLock && inLockDelay(st, op.KV.Entry.Key) {
				reply.Errors = []*catalog.TxnError{{OpIndex: i,
					What: fmt.Sprintf("key %q is in lock-delay after its last holder's session ended", op.KV.Entry.Key)}}
				return nil
			}
		}
		resp, err := s.raftApply(fsm.TxnRequestType, args)
		if err != nil {
			return err
		}
		r, ok := resp.(*catalog.TxnResponse)
		if !ok {
			return fmt.Errorf("txn: state machine answered %T", resp)
		}
		reply.Results, reply.Errors = r.Results, r.Errors
		return nil
	})
}

// validateTxn checks a transaction's operations before it is routed and
// reports whether any of them writes.
func validateTxn(ops catalog.TxnOps) (bool, error) {
	if len(ops) > catalog.MaxTxnOps {
		return false, catalog.BadRequestf(fmt.Sprintf("Transaction contains too many operations (%d > %d)", len(ops), catalog.MaxTxnOps))
	}
	write := false
	for i, op := range ops {
		if op == nil || op.KV == nil {
			return false, catalog.BadRequestf(fmt.Sprintf("operation %d has no KV part; only KV operations are supported", i))
		}
		if !op.KV.Verb.Valid() {
			return false, catalog.BadRequestf(fmt.Sprintf("operation %d: unknown KV verb %q", i, op.KV.Verb))
		}
		if err := catalog.CheckKVKey(op.KV.Entry.Key); err != nil {
			return false, catalog.BadRequestIn(fmt.Sprintf("operation %d", i), err)
		}
		if op.KV.Verb.IsWrite() {
			write = true
			if err := validateKVOp(op.KV.Verb, &op.KV.Entry); err != nil {
				return false, catalog.BadRequestIn(fmt.Sprintf("operation %d", i), err)
			}
		}
	}
	return write, nil
}

// vetTxn checks every operation against the token; one denied operation
// refuses the whole transaction, as nothing of it may be applied.
func (s *Server) vetTxn(args *catalog.TxnRequest) error {
	token := args.WriteRequest.Token
	if token == "" {
		token = args.QueryOptions.Token
	}
	authz, err := s.authorize(token)
	if err != nil {
		return err
	}
	for i, op := range args.Ops {
		if err := vetKVOp(authz, op.KV.Verb, op.KV.Entry.Key); err != nil {
			return fmt.Errorf("%w: operation %d on key %q", err, i, op.KV.Entry.Key)
		}
	}
	return nil
}
