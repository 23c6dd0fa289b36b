package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

// LAN is what a server needs from the gossip pool. Safe for concurrent use.
type LAN interface {
	Members() []lan.Member
	// Reaped lists members removed from the pool that have not come
	// back, so a leader that missed their reap events still acts on them.
	Reaped() []lan.Member
	Subscribe() (<-chan lan.Event, func())
	// ForceLeave moves a failed member to left (autopilot's dead-server
	// cleanup).
	ForceLeave(node string, prune bool) error
}

// Deps are the collaborators the agent builds and hands in.
type Deps struct {
	Listener *rpc.Listener // the server port; the server installs its handler
	Pool     *rpc.Pool     // calls to other servers
	LAN      LAN
	Router   *wan.Router
	// RemotePool makes the pool for calls to another datacenter's
	// servers (TLS names them server.<dc>.<domain>); nil uses plain
	// rpc.NewPool().
	RemotePool func(dc string) *rpc.Pool
	// Events fires user events forwarded from other datacenters; nil
	// refuses them.
	Events EventFirer
	// Signer signs auto_encrypt client certificates; nil unless
	// Config.AutoEncryptAllowTLS.
	Signer CertSigner
	// Metrics records RPCs, applies and leadership; nil records nothing.
	Metrics Metrics
	// WANCoordinates lists the federation's servers' coordinates for
	// /v1/coordinate/datacenters; nil lists this datacenter's only.
	WANCoordinates WANCoordinates
	// Datacenters orders the known datacenters by distance and
	// RemoteQueries runs a prepared query in another one, for failover
	// (prepared_query_failover.go). nil means Router and an in-process
	// call of PreparedQuery.ExecuteRemote routed like any other call
	// for another datacenter: while the router knows only this
	// datacenter, failover finds nowhere to go.
	Datacenters   DatacenterSorter
	RemoteQueries RemoteQueryExecutor
	// ReplicationToken returns the token a secondary datacenter's leader
	// replicates ACLs with (acl.tokens.replication, changeable at run
	// time); nil means none.
	ReplicationToken func() string
}

// Server is one member of the datacenter's Raft quorum.
type Server struct {
	cfg    *Config
	logger hclog.Logger

	fsm       *fsm.FSM
	raft      *raft.Raft
	transport *raft.NetworkTransport
	stores    *raftStores

	pool   *rpc.Pool
	lan    LAN
	router *wan.Router
	remote *remotePools
	events EventFirer
	signer CertSigner

	endpoints map[string]endpoint
	metrics   Metrics

	wanCoords     WANCoordinates
	coordQueue    *coordinateQueue
	dcs           DatacenterSorter
	remoteQueries RemoteQueryExecutor

	// ready tells whether leader reads may be served, and for which term.
	ready *readiness

	aclCache *aclCache
	// remoteACLs and replication serve a secondary datacenter: the
	// primary's answers for tokens not held here, and the state of the
	// leader's replication (acl_remote.go, acl_replication.go).
	remoteACLs       *remoteACLs
	replication      *replicationStatus
	replicationToken func() string
	// askPrimary resolves a secret in the primary datacenter; tests
	// replace it.
	askPrimary func(ctx context.Context, secret string) (*catalog.ACLIdentity, error)

	// readIndexes shares the read-index calls of follower reads.
	readIndexes *readIndexes
	// visible caches visibleCommitIndex for one commit index, so reads
	// at the leader do not read the Raft log while nothing commits.
	visible visibleIndexCache

	// sessionTimers run only while this server leads.
	sessionTimers *sessionTimers

	bootstrapped atomic.Bool

	// autopilot runs while this server leads (leaderLoop).
	autopilot *autopilot.Autopilot

	shutdownCh chan struct{}
	shutdown   sync.Once
	wg         sync.WaitGroup
}

// New starts a server: opens the Raft stores, starts Raft on the shared
// server port, installs the RPC handler and, when configured, bootstraps.
func New(cfg *Config, deps Deps) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Listener == nil || deps.Pool == nil || deps.LAN == nil || deps.Router == nil {
		return nil, errors.New("server: listener, pool, LAN pool and router are required")
	}
	f, err := fsm.New(cfg.Logger.Named("fsm"))
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:              cfg,
		logger:           cfg.Logger,
		fsm:              f,
		pool:             deps.Pool,
		lan:              deps.LAN,
		router:           deps.Router,
		events:           deps.Events,
		remote:           &remotePools{newPool: deps.RemotePool, pools: map[string]*rpc.Pool{}},
		signer:           deps.Signer,
		metrics:          deps.Metrics,
		ready:            newReadiness(),
		aclCache:         newACLCache(),
		remoteACLs:       newRemoteACLs(),
		replication:      &replicationStatus{},
		replicationToken: deps.ReplicationToken,
		sessionTimers:    newSessionTimers(),
		shutdownCh:       make(chan struct{}),
		wanCoords:        deps.WANCoordinates,
		coordQueue:       newCoordinateQueue(),
		dcs:              deps.Datacenters,
		remoteQueries:    deps.RemoteQueries,
	}
	if s.dcs == nil {
		s.dcs = deps.Router
	}
	if s.remoteQueries == nil {
		s.remoteQueries = routedExecutor{s: s}
	}
	s.askPrimary = s.askPrimaryRPC
	if s.replicationToken == nil {
		s.replicationToken = func() string { return "" }
	}
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	if s.remote.newPool == nil {
		s.remote.newPool = func(string) *rpc.Pool { return rpc.NewPool() }
	}
	s.readIndexes = newReadIndexes(s.fetchReadIndex)
	s.registerEndpoints()

	s.stores, err = openRaftStores(cfg)
	if err != nil {
		return nil, err
	}
	existing, err := raft.HasExistingState(s.stores.logs, s.stores.stable, s.stores.snaps)
	if err != nil {
		s.stores.close()
		return nil, fmt.Errorf("read raft state: %w", err)
	}
	// A server that has ever been part of a quorum must never bootstrap
	// again: that could fork the cluster's history.
	s.bootstrapped.Store(existing)

	s.transport = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  deps.Listener.RaftLayer(),
		MaxPool: 3,
		Timeout: 10 * time.Second,
		Logger:  cfg.Logger.Named("raft-net"),
	})
	notify := make(chan bool, 16)
	rc := raftConfig(cfg, notify)
	if err := s.recoverFromPeersJSON(rc); err != nil {
		s.transport.Close()
		s.stores.close()
		return nil, err
	}
	s.raft, err = raft.NewRaft(rc, timedFSM{FSM: s.fsm, metrics: s.metrics}, s.stores.logs, s.stores.stable,
		timedSnapshotStore{SnapshotStore: s.stores.snaps, metrics: s.metrics}, s.transport)
	if err != nil {
		s.transport.Close()
		s.stores.close()
		return nil, fmt.Errorf("start raft: %w", err)
	}
	s.autopilot = newAutopilot(s)
	deps.Listener.SetHandler(rpc.HandlerFunc(s.serveRPC))

	if cfg.Bootstrap && !existing {
		if err := s.bootstrapSelf(); err != nil {
			s.Shutdown()
			return nil, err
		}
	}

	s.wg.Add(4)
	go s.monitorLeadership(notify)
	go s.watchLeaderGone(deps.Listener.RaftLayer().Refuses)
	go s.watchMembers()
	go s.coordinateBatches()
	return s, nil
}

func (s *Server) bootstrapSelf() error {
	conf := raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter,
		ID:       raft.ServerID(s.cfg.NodeID),
		Address:  raft.ServerAddress(s.cfg.RPCAdvertise.String()),
	}}}
	if err := s.raft.BootstrapCluster(conf).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
		return fmt.Errorf("bootstrap raft: %w", err)
	}
	s.bootstrapped.Store(true)
	return nil
}

// State is the local replica of the store, for in-process readers.
func (s *Server) State() *state.Store { return s.fsm.State() }

// IsLeader reports whether this server leads the quorum now.
func (s *Server) IsLeader() bool { return s.raft.State() == raft.Leader }

// Leader is the leader's server address, or "" when none is known.
func (s *Server) Leader() string {
	addr, _ := s.raft.LeaderWithID()
	return string(addr)
}

// Stats returns Raft's counters for `concord info`.
func (s *Server) Stats() map[string]string { return s.raft.Stats() }

// StepDown hands leadership to another voter when this server leads, so a
// planned restart costs one round of replication rather than an election
// timeout. It is a no-op on followers and on a one-server quorum.
func (s *Server) StepDown(timeout time.Duration) {
	if !s.IsLeader() {
		return
	}
	if cf := s.raft.GetConfiguration(); cf.Error() == nil && len(cf.Configuration().Servers) < 2 {
		return
	}
	f := s.raft.LeadershipTransfer()
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		if err != nil {
			s.logger.Warn("leadership transfer failed", "error", err)
		} else {
			s.logger.Info("leadership transferred")
		}
	case <-time.After(timeout):
		s.logger.Warn("leadership transfer timed out")
	}
}

// Shutdown stops Raft and releases the stores. It does not leave the
// quorum: a server that stops keeps its seat until it leaves the pool.
func (s *Server) Shutdown() error {
	var err error
	s.shutdown.Do(func() {
		close(s.shutdownCh)
		if s.raft != nil {
			err = s.raft.Shutdown().Error()
		}
		s.wg.Wait()
		s.remote.close()
		if s.transport != nil {
			s.transport.Close()
		}
		if s.stores != nil {
			if cerr := s.stores.close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	})
	return err
}

// ctx returns a context cancelled at shutdown.
func (s *Server) ctx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.shutdownCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
