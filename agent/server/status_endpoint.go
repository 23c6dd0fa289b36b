package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/raft"
)

// statusLeader answers from this server's own view, as Consul does, so a
// client can ask any server who it thinks leads.
func (s *Server) statusLeader(ctx context.Context, args *catalog.DCRequest, reply *string) error {
	if err := s.router.Check(args.Datacenter); err != nil {
		return err
	}
	*reply = s.Leader()
	return nil
}

func (s *Server) statusPeers(ctx context.Context, args *catalog.DCRequest, reply *[]string) error {
	if err := s.router.Check(args.Datacenter); err != nil {
		return err
	}
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	peers := []string{}
	for _, srv := range f.Configuration().Servers {
		if srv.Suffrage == raft.Voter {
			peers = append(peers, string(srv.Address))
		}
	}
	*reply = peers
	return nil
}

func (s *Server) statusPing(ctx context.Context, args *struct{}, reply *struct{}) error {
	return nil
}

func (s *Server) operatorRaftConfig(ctx context.Context, args *catalog.DCRequest, reply *catalog.RaftConfigurationResponse) error {
	return s.route(ctx, catalog.MethodOperatorRaftConfig, args.Datacenter, args.AllowStale, false, args, reply, func() error {
		f := s.raft.GetConfiguration()
		if err := f.Error(); err != nil {
			return err
		}
		names := map[string]string{}
		for _, m := range s.lan.Members() {
			if id := m.Tags["id"]; id != "" {
				names[id] = m.Name
			}
		}
		leader := s.Leader()
		last := s.raft.LastIndex()
		reply.Servers = nil
		for _, srv := range f.Configuration().Servers {
			reply.Servers = append(reply.Servers, &catalog.RaftServer{
				ID:              string(srv.ID),
				Node:            names[string(srv.ID)],
				Address:         string(srv.Address),
				Leader:          string(srv.Address) == leader,
				ProtocolVersion: fmt.Sprint(raft.ProtocolVersionMax),
				Voter:           srv.Suffrage == raft.Voter,
				LastIndex:       last,
			})
		}
		reply.Index = f.Index()
		return nil
	})
}

// operatorRaftRemovePeer drops a server from the quorum, for a server that
// is gone for good and will not leave by itself (Consul's remove-peer).
func (s *Server) operatorRaftRemovePeer(ctx context.Context, args *catalog.RaftRemovePeerRequest, reply *struct{}) error {
	if (args.ID == "") == (args.Address == "") {
		return catalog.BadRequestf("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove")
	}
	return s.route(ctx, catalog.MethodOperatorRaftRemove, args.Datacenter, false, true, args, reply, func() error {
		f := s.raft.GetConfiguration()
		if err := f.Error(); err != nil {
			return err
		}
		for _, srv := range f.Configuration().Servers {
			if (args.ID != "" && string(srv.ID) == args.ID) || (args.Address != "" && string(srv.Address) == args.Address) {
				s.logger.Warn("removing server from raft by operator request", "id", srv.ID, "address", srv.Address)
				err := s.raft.RemoveServer(srv.ID, 0, 0).Error()
				if errors.Is(err, raft.ErrNotLeader) {
					return errNotLeader
				}
				return err
			}
		}
		what := fmt.Sprintf("id %q", args.ID)
		if args.Address != "" {
			what = fmt.Sprintf("address %q", args.Address)
		}
		return fmt.Errorf("%w: %s was not found in the Raft configuration", catalog.ErrNotFound, what)
	})
}
