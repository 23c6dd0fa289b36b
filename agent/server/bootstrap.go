package server

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/raft"
)

// watchMembers drives bootstrap-expect: until this server is part of a
// quorum it re-evaluates on every membership event and once a second.
func (s *Server) watchMembers() {
	defer s.wg.Done()
	if s.bootstrapped.Load() || s.cfg.BootstrapExpect == 0 {
		return
	}
	events, unsubscribe := s.lan.Subscribe()
	defer unsubscribe()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for !s.bootstrapped.Load() {
		select {
		case <-events:
		case <-tick.C:
		case <-s.shutdownCh:
			return
		}
		s.maybeBootstrap()
	}
}

// maybeBootstrap forms the quorum once BootstrapExpect servers of this
// datacenter are alive in the pool and none of them is already part of
// a quorum (which would mean this server should be added, not found one).
func (s *Server) maybeBootstrap() {
	// Another path (a leader adding us) may have given us a configuration.
	if f := s.raft.GetConfiguration(); f.Error() == nil && len(f.Configuration().Servers) > 0 {
		s.bootstrapped.Store(true)
		return
	}
	var servers []*lan.Server
	for _, m := range s.lan.Members() {
		srv, ok := lan.ServerFromMember(m)
		if !ok || m.Status != lan.StatusAlive || srv.Datacenter != s.cfg.Datacenter {
			continue
		}
		if srv.Expect != 0 && srv.Expect != s.cfg.BootstrapExpect {
			s.logger.Error("servers disagree on bootstrap-expect; not bootstrapping", "server", srv.Name, "theirs", srv.Expect, "ours", s.cfg.BootstrapExpect)
			return
		}
		if srv.Bootstrap {
			s.logger.Error("a server in -bootstrap mode is in the pool; not bootstrapping", "server", srv.Name)
			return
		}
		servers = append(servers, srv)
	}
	if len(servers) < s.cfg.BootstrapExpect {
		s.logger.Debug("waiting for servers to bootstrap", "seen", len(servers), "expect", s.cfg.BootstrapExpect)
		return
	}
	for _, srv := range servers {
		if srv.ID == s.cfg.NodeID {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		var peers []string
		err := s.pool.Call(ctx, srv.Addr.String(), catalog.MethodStatusPeers, &catalog.DCRequest{}, &peers)
		cancel()
		if err != nil {
			s.logger.Debug("cannot ask server for its peers yet", "server", srv.Name, "error", err)
			return
		}
		if len(peers) > 0 {
			s.logger.Info("found an existing quorum; waiting to be added instead of bootstrapping", "server", srv.Name)
			s.bootstrapped.Store(true)
			return
		}
	}
	conf := raft.Configuration{}
	for _, srv := range servers {
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter,
			ID:       raft.ServerID(srv.ID),
			Address:  raft.ServerAddress(srv.Addr.String()),
		})
	}
	s.logger.Info("bootstrapping raft", "servers", strconv.Itoa(len(conf.Servers)))
	err := s.raft.BootstrapCluster(conf).Error()
	switch {
	case err == nil, errors.Is(err, raft.ErrCantBootstrap):
		// ErrCantBootstrap: Raft already has state, so there is nothing
		// left to bootstrap.
		s.bootstrapped.Store(true)
	default:
		// Try again on the next membership change or tick: giving up
		// here would leave the datacenter without a quorum for good.
		s.logger.Warn("bootstrap failed; will retry", "error", err)
	}
}
