package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/raft"
)

// statusLeader answers from this server's own view, as Consul does, so a
// client can ask any server who it thinks leads.
func (s *Server) statusLeader(ctx context.Context, args *catalog.DCRequest, reply *string) error {
	if !s.router.IsLocal(args.Datacenter) {
		return s.forwardDC(ctx, catalog.MethodStatusLeader, args.Datacenter, false, args, reply)
	}
	*reply = s.Leader()
	return nil
}

func (s *Server) statusPeers(ctx context.Context, args *catalog.DCRequest, reply *[]string) error {
	if !s.router.IsLocal(args.Datacenter) {
		return s.forwardDC(ctx, catalog.MethodStatusPeers, args.Datacenter, false, args, reply)
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

func (s *Server) statusRaftStats(ctx context.Context, args *struct{}, reply *catalog.RaftStats) error {
	reply.LastIndex = s.raft.LastIndex()
	reply.AppliedIndex = s.raft.AppliedIndex()
	stats := s.raft.Stats()
	if t, err := strconv.ParseUint(stats["last_log_term"], 10, 64); err == nil {
		reply.LastTerm = t
	}
	reply.LastContact = stats["last_contact"]
	return nil
}

// peerLastIndex asks a server for its last log index; 0 when it does not
// answer within a second (a dead server trails by everything).
func (s *Server) peerLastIndex(ctx context.Context, addr string) uint64 {
	if addr == s.cfg.RPCAdvertise.String() {
		return s.raft.LastIndex()
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var st catalog.RaftStats
	if err := s.pool.Call(ctx, addr, catalog.MethodStatusRaftStats, &struct{}{}, &st); err != nil {
		return 0
	}
	return st.LastIndex
}

func (s *Server) operatorRaftConfig(ctx context.Context, args *catalog.DCRequest, reply *catalog.RaftConfigurationResponse) error {
	return s.route(ctx, catalog.MethodOperatorRaftConfig, args.Datacenter, args.AllowStale, false, args, reply, func() error {
		if err := s.allowOperator(args.Token, false); err != nil {
			return err
		}
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
		servers := f.Configuration().Servers
		last := make([]uint64, len(servers))
		var wg sync.WaitGroup
		for i, srv := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				last[i] = s.peerLastIndex(ctx, string(srv.Address))
			}()
		}
		wg.Wait()
		reply.Servers = nil
		for i, srv := range servers {
			reply.Servers = append(reply.Servers, &catalog.RaftServer{
				ID:              string(srv.ID),
				Node:            names[string(srv.ID)],
				Address:         string(srv.Address),
				Leader:          string(srv.Address) == leader,
				ProtocolVersion: fmt.Sprint(raft.ProtocolVersionMax),
				Voter:           srv.Suffrage == raft.Voter,
				LastIndex:       last[i],
			})
		}
		reply.Index = s.configurationIndex()
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
		if err := s.allowOperator(args.Token, true); err != nil {
			return err
		}
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

// configurationIndex is the Raft index of the configuration in force:
// the newest configuration entry applied since start, or the one the
// latest snapshot carries when the log before it was compacted away.
// raft's GetConfiguration leaves its own Index at zero.
func (s *Server) configurationIndex() uint64 {
	idx := s.fsm.ConfigurationIndex()
	if metas, err := s.stores.snaps.List(); err == nil && len(metas) > 0 {
		idx = max(idx, metas[0].ConfigurationIndex)
	}
	return idx
}
