package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/raft"
)

// operatorRaftTransfer hands leadership to another voter (Consul's
// transfer-leader): to args.ID, or with no ID to the voter raft finds
// most up to date. It runs on the leader and answers once raft reports
// the transfer done or failed. operator:write.
func (s *Server) operatorRaftTransfer(ctx context.Context, args *catalog.RaftTransferLeaderRequest, reply *bool) error {
	return s.route(ctx, catalog.MethodOperatorRaftTransfer, args.Datacenter, false, true, args, reply, func() error {
		if err := s.allowOperator(args.Token, true); err != nil {
			return err
		}
		f := s.raft.GetConfiguration()
		if err := f.Error(); err != nil {
			return err
		}
		voters := 0
		var target *raft.Server
		for _, srv := range f.Configuration().Servers {
			if srv.Suffrage == raft.Voter {
				voters++
			}
			if args.ID != "" && string(srv.ID) == args.ID {
				target = &srv
			}
		}
		if voters < 2 {
			return catalog.BadRequestf("cannot transfer leadership: there is no other voter in the Raft configuration")
		}
		var fut raft.Future
		switch {
		case args.ID == "":
			fut = s.raft.LeadershipTransfer()
		case target == nil:
			return fmt.Errorf("%w: no server with id %q in the Raft configuration", catalog.ErrNotFound, args.ID)
		case target.Suffrage != raft.Voter:
			return catalog.BadRequestf(fmt.Sprintf("cannot transfer leadership to %q: it is not a voter", args.ID))
		case string(target.ID) == s.cfg.NodeID:
			return catalog.BadRequestf(fmt.Sprintf("cannot transfer leadership to %q: it is already the leader", args.ID))
		default:
			fut = s.raft.LeadershipTransferToServer(target.ID, target.Address)
		}
		s.logger.Info("transferring leadership by operator request", "to", args.ID)
		if err := fut.Error(); err != nil {
			if errors.Is(err, raft.ErrNotLeader) {
				return errNotLeader
			}
			return fmt.Errorf("leadership transfer failed: %w", err)
		}
		*reply = true
		return nil
	})
}

// allowOperator checks the token for operator:write, or operator:read
// when write is false, as every operator endpoint does.
func (s *Server) allowOperator(token string, write bool) error {
	authz, err := s.authorize(token)
	if err != nil {
		return err
	}
	if (write && !authz.OperatorWrite()) || (!write && !authz.OperatorRead()) {
		return catalog.ErrPermissionDenied
	}
	return nil
}
