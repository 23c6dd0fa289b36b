package server

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// Config is what a server needs beyond its collaborators.
type Config struct {
	NodeName   string
	NodeID     string // Raft server ID; a UUID
	Datacenter string
	Build      string

	// DataDir holds raft/ (log, stable store, snapshots). Empty with
	// InMemory means nothing touches the disk.
	DataDir  string
	InMemory bool

	// RPCAdvertise is the address peers reach this server's port at; it
	// is also the Raft address.
	RPCAdvertise *net.TCPAddr

	Bootstrap       bool // form a one-server quorum at once
	BootstrapExpect int  // form a quorum once this many servers are seen

	RaftMultiplier    int // scales Raft's timing, as Consul's raft_multiplier
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64

	// RPCHoldTimeout is how long a call waits for a leader before giving
	// up with ErrNoLeader.
	RPCHoldTimeout time.Duration
	// ReconcileInterval is how often the leader reconciles the whole pool
	// even without events.
	ReconcileInterval time.Duration

	// ACLs: when enabled every RPC is checked against its token, with
	// ACLDefaultAllow deciding what no rule covers. The leader of the
	// primary datacenter creates the global-management policy, the
	// anonymous token and, when set, the InitialManagementToken.
	ACLsEnabled            bool
	ACLDefaultAllow        bool
	InitialManagementToken string
	PrimaryDatacenter      string
	// In a secondary datacenter (PrimaryDatacenter set and not this
	// one) the leader copies the primary's policies and roles, and its
	// global tokens with ACLTokenReplication (acl_replication.go). A
	// global token not found here is asked of the primary and its
	// answer kept for ACLTokenTTL; ACLDownPolicy decides when the
	// primary cannot be asked (acl_remote.go).
	ACLTokenReplication bool
	ACLDownPolicy       string
	ACLTokenTTL         time.Duration

	// AutoEncryptAllowTLS lets this server sign client agents'
	// certificates (auto_encrypt.allow_tls) with Deps.Signer, valid for
	// AutoEncryptCertTTL (0: the tls package's 72 h; tests shorten it).
	AutoEncryptAllowTLS bool
	AutoEncryptCertTTL  time.Duration
	// SessionTTLMin is the shortest session TTL accepted (Consul: 10s),
	// and a session lives SessionTTLMultiplier times its TTL without a
	// renewal (Consul documents 2). Not user configuration: tests
	// shorten them.
	SessionTTLMin        time.Duration
	SessionTTLMultiplier int
	// CoordinateUpdatePeriod is how often the leader writes the
	// coordinates agents sent since the last write, in one Raft entry
	// (Consul's coordinate_update_period, 5 s). Tests shorten it.
	CoordinateUpdatePeriod time.Duration

	// Autopilot is the configuration the leader's autopilot uses until
	// an operator stores one through Raft (the autopilot {} config
	// block, else Consul's defaults).
	Autopilot catalog.AutopilotConfig
	// AutopilotInterval is how often autopilot refreshes server health
	// and reconciles voters; zero keeps raft-autopilot's 2 s and 10 s.
	// Not user configuration: tests shorten it.
	AutopilotInterval time.Duration

	Logger hclog.Logger
}

// DefaultConfig returns the timing concord ships with.
func DefaultConfig() *Config {
	return &Config{
		Datacenter:        "dc1",
		RaftMultiplier:    1,
		SnapshotThreshold: 16384,
		SnapshotInterval:  30 * time.Second,
		TrailingLogs:      10240,
		RPCHoldTimeout:    7 * time.Second,
		ReconcileInterval: 60 * time.Second,

		Autopilot: catalog.DefaultAutopilotConfig(),

		SessionTTLMin:        catalog.SessionTTLMin,
		SessionTTLMultiplier: catalog.SessionTTLMultiplier,

		CoordinateUpdatePeriod: 5 * time.Second,

		// Consul's defaults, as the agent's configuration has them.
		ACLDownPolicy: "extend-cache",
		ACLTokenTTL:   30 * time.Second,
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.NodeName == "" {
		errs = append(errs, errors.New("server: node name is required"))
	}
	if c.NodeID == "" {
		errs = append(errs, errors.New("server: node ID is required"))
	}
	if c.RPCAdvertise == nil {
		errs = append(errs, errors.New("server: RPC advertise address is required"))
	}
	if !c.InMemory && c.DataDir == "" {
		errs = append(errs, errors.New("server: a data directory is required unless running in memory"))
	}
	if c.Bootstrap && c.BootstrapExpect > 0 {
		errs = append(errs, errors.New("server: bootstrap and bootstrap-expect are exclusive"))
	}
	if c.RaftMultiplier < 1 || c.RaftMultiplier > 10 {
		errs = append(errs, fmt.Errorf("server: raft multiplier %d out of range 1..10", c.RaftMultiplier))
	}
	if c.SessionTTLMin <= 0 || c.SessionTTLMultiplier < 1 {
		errs = append(errs, fmt.Errorf("server: session TTL minimum %s and multiplier %d must be positive", c.SessionTTLMin, c.SessionTTLMultiplier))
	}
	if c.CoordinateUpdatePeriod <= 0 {
		errs = append(errs, fmt.Errorf("server: coordinate update period %s must be positive", c.CoordinateUpdatePeriod))
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return errors.Join(errs...)
}
