package server

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

// autopilotDelegate is what hashicorp/raft-autopilot asks of the server
// (autopilot.ApplicationIntegration). Autopilot runs on the leader only:
// leaderLoop starts it once the leader is ready and stops it when
// leadership ends. Its methods are called from autopilot's goroutines.
type autopilotDelegate struct{ s *Server }

var _ autopilot.ApplicationIntegration = autopilotDelegate{}

// newAutopilot builds the leader's autopilot over this server's Raft.
func newAutopilot(s *Server) *autopilot.Autopilot {
	opts := []autopilot.Option{autopilot.WithLogger(s.logger.Named("autopilot"))}
	if s.cfg.AutopilotInterval > 0 {
		opts = append(opts,
			autopilot.WithReconcileInterval(s.cfg.AutopilotInterval),
			autopilot.WithUpdateInterval(s.cfg.AutopilotInterval))
	}
	opts = append(opts, autopilot.WithPromoter(&minQuorumPromoter{}))
	return autopilot.New(s.raft, autopilotDelegate{s}, opts...)
}

// minQuorumPromoter is raft-autopilot's StablePromoter with min_quorum
// counted in voters. Autopilot alone counts potential voters, non-voters
// included, so a dead voter would go as soon as its replacement joined
// and the quorum would sit below min_quorum voters for the whole
// stabilization time (or for good, should the replacement never become
// healthy). Here a dead voter is removed only while at least min_quorum
// voters remain: once its replacement has been promoted.
type minQuorumPromoter struct{ autopilot.StablePromoter }

func (*minQuorumPromoter) FilterFailedServerRemovals(c *autopilot.Config, st *autopilot.State, f *autopilot.FailedServers) *autopilot.FailedServers {
	if c.MinQuorum == 0 || st == nil {
		return f
	}
	allowed := max(len(st.Voters)-int(c.MinQuorum), 0)
	if len(f.StaleVoters) > allowed {
		f.StaleVoters = f.StaleVoters[:allowed]
	}
	allowed -= len(f.StaleVoters)
	if len(f.FailedVoters) > allowed {
		f.FailedVoters = f.FailedVoters[:allowed]
	}
	return f
}

// autopilotConfig is the replicated configuration, or the server's
// default when no operator has set one.
func (s *Server) autopilotConfig() catalog.AutopilotConfig {
	_, c, err := s.fsm.State().AutopilotConfig()
	if err != nil || c == nil {
		return s.cfg.Autopilot
	}
	return *c
}

func (d autopilotDelegate) AutopilotConfig() *autopilot.Config {
	c := d.s.autopilotConfig()
	return &autopilot.Config{
		CleanupDeadServers:      c.CleanupDeadServers,
		LastContactThreshold:    c.LastContactThreshold,
		MaxTrailingLogs:         c.MaxTrailingLogs,
		MinQuorum:               c.MinQuorum,
		ServerStabilizationTime: c.ServerStabilizationTime,
	}
}

// NotifyState is called after every state update; the health endpoint
// and the metrics read the state from autopilot itself.
func (d autopilotDelegate) NotifyState(*autopilot.State) {}

// FetchServerStats asks every alive server for its Raft stats at once,
// each bounded by the context autopilot gives (its update interval). A
// server that does not answer is left out, and autopilot keeps its
// last known stats.
func (d autopilotDelegate) FetchServerStats(ctx context.Context, servers map[raft.ServerID]*autopilot.Server) map[raft.ServerID]*autopilot.ServerStats {
	s := d.s
	out := make(map[raft.ServerID]*autopilot.ServerStats, len(servers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, srv := range servers {
		if srv.NodeStatus != autopilot.NodeAlive {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st catalog.RaftStats
			if string(srv.Address) == s.cfg.RPCAdvertise.String() {
				s.statusRaftStats(ctx, &struct{}{}, &st)
			} else if err := s.pool.Call(ctx, string(srv.Address), catalog.MethodStatusRaftStats, &struct{}{}, &st); err != nil {
				s.logger.Debug("autopilot: no raft stats from server", "server", srv.Name, "error", err)
				return
			}
			mu.Lock()
			out[id] = &autopilot.ServerStats{
				LastContact: parseLastContact(st.LastContact),
				LastTerm:    st.LastTerm,
				LastIndex:   st.LastIndex,
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// parseLastContact reads raft's last_contact stat: "0" on the leader, a
// duration on a follower, "never" (or garbage) as a negative duration,
// which autopilot counts as unhealthy.
func parseLastContact(v string) time.Duration {
	switch v {
	case "0":
		return 0
	case "", "never":
		return -1
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return -1
	}
	return d
}

// KnownServers are this datacenter's servers in the LAN pool, with the
// gossip status autopilot judges them by.
func (d autopilotDelegate) KnownServers() map[raft.ServerID]*autopilot.Server {
	s := d.s
	leader := s.Leader()
	out := map[raft.ServerID]*autopilot.Server{}
	for _, m := range s.lan.Members() {
		srv, ok := lan.ServerFromMember(m)
		if !ok || srv.ID == "" || srv.Datacenter != s.cfg.Datacenter {
			continue
		}
		status := autopilot.NodeUnknown
		switch m.Status {
		case lan.StatusAlive:
			status = autopilot.NodeAlive
		case lan.StatusFailed:
			status = autopilot.NodeFailed
		case lan.StatusLeft, lan.StatusLeaving:
			status = autopilot.NodeLeft
		}
		addr := srv.Addr.String()
		out[raft.ServerID(srv.ID)] = &autopilot.Server{
			ID:          raft.ServerID(srv.ID),
			Name:        srv.Name,
			Address:     raft.ServerAddress(addr),
			NodeStatus:  status,
			Version:     srv.Build,
			RaftVersion: max(srv.RaftVersion, 3),
			IsLeader:    addr == leader,
			// Every server may vote. Dead-server removal counts potential
			// voters from this field, so it must be set here: autopilot
			// fills it only in its own state, not in what we hand it.
			NodeType: autopilot.NodeVoter,
		}
	}
	return out
}

// RemoveFailedServer forces a failed server out of the pool (it becomes
// "left", so the catalog drops it too) and out of the Raft
// configuration. Autopilot calls it only within MinQuorum and for at
// most a minority of voters, and expects it to return at once.
func (d autopilotDelegate) RemoveFailedServer(srv *autopilot.Server) {
	s := d.s
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.logger.Info("autopilot: removing dead server", "server", srv.Name, "id", srv.ID)
		if err := s.lan.ForceLeave(srv.Name, false); err != nil {
			s.logger.Warn("autopilot: force-leave of dead server failed", "server", srv.Name, "error", err)
		}
		if err := s.raft.RemoveServer(srv.ID, 0, 0).Error(); err != nil {
			s.logger.Warn("autopilot: removing dead server from raft failed", "server", srv.Name, "error", err)
		}
	}()
}

// AutopilotHealth is the leader's current view, for the metrics: whether
// every server is healthy and how many voters may fail. ok is false on a
// follower or before autopilot's first update.
func (s *Server) AutopilotHealth() (healthy bool, failureTolerance int, ok bool) {
	if !s.IsLeader() {
		return false, 0, false
	}
	st := s.autopilot.GetState()
	if st == nil {
		return false, 0, false
	}
	return st.Healthy, st.FailureTolerance, true
}

// autopilotHealthReply renders autopilot's state as Consul's health
// reply; an empty, unhealthy reply before its first update.
func (s *Server) autopilotHealthReply() *catalog.AutopilotHealthReply {
	reply := &catalog.AutopilotHealthReply{}
	st := s.autopilot.GetState()
	if st == nil {
		return reply
	}
	reply.Healthy = st.Healthy
	reply.FailureTolerance = st.FailureTolerance
	reply.Leader = string(st.Leader)
	for _, id := range st.Voters {
		reply.Voters = append(reply.Voters, string(id))
	}
	for _, srv := range st.Servers {
		status := string(srv.Server.NodeStatus)
		if srv.Server.NodeStatus == autopilot.NodeUnknown {
			status = "none"
		}
		reply.Servers = append(reply.Servers, catalog.AutopilotServerHealth{
			ID:          string(srv.Server.ID),
			Name:        srv.Server.Name,
			Address:     string(srv.Server.Address),
			SerfStatus:  status,
			Version:     srv.Server.Version,
			Leader:      srv.State == autopilot.RaftLeader,
			LastContact: srv.Stats.LastContact,
			LastTerm:    srv.Stats.LastTerm,
			LastIndex:   srv.Stats.LastIndex,
			Healthy:     srv.Health.Healthy,
			Voter:       srv.HasVotingRights(),
			StableSince: srv.Health.StableSince,
			Status:      string(srv.State),
		})
	}
	// Autopilot keeps a map; operators read a stable order.
	sortServerHealth(reply.Servers)
	return reply
}

func sortServerHealth(list []catalog.AutopilotServerHealth) {
	sort.Slice(list, func(i, j int) bool {
		if list[i].Name != list[j].Name {
			return list[i].Name < list[j].Name
		}
		return list[i].ID < list[j].ID
	})
}
