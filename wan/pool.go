package wan

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
)

// DefaultPort is the WAN gossip port (Consul's serf_wan).
const DefaultPort = 8302

// Config configures a WAN Pool.
type Config struct {
	// NodeName and Datacenter make the member name "NODE.DC".
	NodeName   string
	Datacenter string
	BindAddr   string // IP to bind ("" = 0.0.0.0)
	BindPort   int    // 0 picks a free port (tests)
	// AdvertiseAddr is the IP other datacenters reach this server at
	// (advertise_addr_wan); "" = BindAddr.
	AdvertiseAddr string
	AdvertisePort int // 0 = the bound port
	// Tags are the server's tags (lan.ServerTags): the router reads the
	// datacenter and the RPC port from them.
	Tags map[string]string
	// SecretKey, KeyringFile, AllowPlaintextIn and PlaintextOut are the
	// gossip encryption settings, as in lan.Config. Consul keeps the WAN
	// keyring apart (serf/remote.keyring) but seeds it from the same
	// encrypt key.
	SecretKey        []byte
	KeyringFile      string
	AllowPlaintextIn bool
	PlaintextOut     bool
	Logger           hclog.Logger
	// ReconnectInterval is how often a failed server is tried again
	// (lan.Config's; 0 = 30 s). Tests shorten it.
	ReconnectInterval time.Duration
	// Faults, when set, routes all WAN gossip through a transport that
	// drops what Faults cuts. Tests only.
	Faults *Faults
	// Memberlist overrides the timing preset (memberlist.DefaultWANConfig
	// when nil); tests shorten it.
	Memberlist *memberlist.Config
}

// Pool is a server's membership in the WAN pool. It is a lan.Pool with
// WAN settings; membership, tags, force-leave and the keyring behave as
// on the LAN.
type Pool struct {
	*lan.Pool
}

// MemberName is the WAN member name of a node: "NODE.DC".
func MemberName(node, dc string) string { return node + "." + dc }

// New creates the WAN pool (listening, joined to no one).
func New(cfg *Config) (*Pool, error) {
	if cfg == nil || cfg.NodeName == "" || cfg.Datacenter == "" {
		return nil, errors.New("wan: node name and datacenter are required")
	}
	mc := cfg.Memberlist
	if mc == nil {
		mc = memberlist.DefaultWANConfig()
	}
	mcCopy := *mc
	lcfg := &lan.Config{
		NodeName:          MemberName(cfg.NodeName, strings.ToLower(cfg.Datacenter)),
		BindAddr:          cfg.BindAddr,
		BindPort:          cfg.BindPort,
		AdvertiseAddr:     cfg.AdvertiseAddr,
		AdvertisePort:     cfg.AdvertisePort,
		JoinPort:          DefaultPort,
		Tags:              cfg.Tags,
		SecretKey:         cfg.SecretKey,
		KeyringFile:       cfg.KeyringFile,
		AllowPlaintextIn:  cfg.AllowPlaintextIn,
		PlaintextOut:      cfg.PlaintextOut,
		Logger:            cfg.Logger,
		ReconnectInterval: cfg.ReconnectInterval,
		Memberlist:        &mcCopy,
	}
	if cfg.Faults != nil {
		bind := cfg.BindAddr
		if bind == "" {
			bind = "0.0.0.0"
		}
		t, port, err := cfg.Faults.transport(bind, cfg.BindPort, cfg.AdvertiseAddr, cfg.Logger)
		if err != nil {
			return nil, fmt.Errorf("wan: %w", err)
		}
		mcCopy.Transport = t
		lcfg.BindPort = port
		if lcfg.AdvertisePort == 0 {
			lcfg.AdvertisePort = port
		}
	}
	p, err := lan.New(lcfg)
	if err != nil {
		if t, ok := mcCopy.Transport.(*faultTransport); ok {
			t.Shutdown()
		}
		return nil, err
	}
	return &Pool{Pool: p}, nil
}
