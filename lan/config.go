package lan

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/coordinate"
)

// DefaultPort is the LAN gossip port (Consul's serf_lan), used by
// DefaultConfig and for Join addresses given without a port.
const DefaultPort = 8301

// Default reaping timeouts (serf's / Consul's).
const (
	DefaultReconnectTimeout = 72 * time.Hour
	DefaultTombstoneTimeout = 24 * time.Hour
)

// Delegate protocol versions advertised to memberlist; Consul reports
// serf's (min 2, max 5, current 4) and tools read them from /v1/agent/members.
const (
	delegateProtocolMin     = 2
	delegateProtocolMax     = 5
	delegateProtocolVersion = 4
)

// Config configures a Pool. New does not modify it.
type Config struct {
	NodeName string
	BindAddr string // IP to bind ("" = 0.0.0.0)
	BindPort int    // 0 picks a free port (tests)
	// AdvertiseAddr is the IP other members reach us at; "" = BindAddr
	// (memberlist picks a private IP when bound to 0.0.0.0).
	AdvertiseAddr string
	// AdvertisePort is the port other members reach us at; 0 = the actual
	// bound port. With BindPort 0, memberlist always advertises the bound port.
	AdvertisePort int
	// JoinPort is the port Join uses for an address given without one;
	// 0 means DefaultPort. The WAN pool sets its own (8302).
	JoinPort int
	// Tags are encoded into the memberlist node meta; the encoding (see
	// tags.go) must fit in 512 bytes.
	Tags map[string]string
	// SecretKey is the gossip encryption key (16, 24 or 32 bytes) or nil.
	// It becomes the keyring's primary key, unless KeyringFile already
	// holds a keyring, which wins (it carries rotations made since).
	SecretKey []byte
	// KeyringFile is where the keyring is kept across restarts, as a
	// JSON list of base64 keys, primary first (Consul's
	// serf/local.keyring); "" keeps it in memory only. It is written
	// when it does not exist and a SecretKey is given, and after every
	// change made by a keyring operation.
	KeyringFile string
	// AllowPlaintextIn accepts unencrypted gossip although a key is set
	// (Consul's encrypt_verify_incoming = false), and PlaintextOut sends
	// gossip unencrypted (encrypt_verify_outgoing = false): the steps of
	// enabling encryption on a running pool. Both are ignored without a
	// key.
	AllowPlaintextIn bool
	PlaintextOut     bool
	// KeyringTimeout bounds how long a keyring operation waits for the
	// members' answers; 0 means 5 s.
	KeyringTimeout time.Duration
	// ReconnectTimeout: failed members are reaped after this (default 72h).
	ReconnectTimeout time.Duration
	// ReconnectInterval: how often one failed member is tried again
	// (default 30 s, serf's; reconnect.go).
	ReconnectInterval time.Duration
	// TombstoneTimeout: left members are reaped after this (default 24h).
	TombstoneTimeout time.Duration
	Logger           hclog.Logger // nil discards
	// OnUserEvent receives every user event once, those this agent
	// fires included. It is called from memberlist's goroutines and
	// must not block. nil drops them.
	OnUserEvent func(UserEvent)
	// WrapTransport, when set, is handed the UDP and TCP transport the
	// pool would gossip over and returns the one it uses instead: tests
	// wrap it to drop gossip to and from chosen members (a partition).
	// nil, always in production, leaves memberlist to make and use its
	// own.
	WrapTransport func(memberlist.NodeAwareTransport) memberlist.NodeAwareTransport
	// DisableCoordinates turns off network coordinates: no coordinate
	// rides on ping acks and Coordinate reports none (Consul's
	// disable_coordinates).
	DisableCoordinates bool
	// Coordinate tunes the Vivaldi client; nil means
	// coordinate.DefaultConfig().
	Coordinate *coordinate.Config
	// Memberlist is the preset memberlist configuration (timings,
	// transport); nil means memberlist.DefaultLANConfig(). New works on a
	// copy and overrides the name, addresses, key, logger and delegates.
	Memberlist *memberlist.Config
}

// DefaultConfig returns a Config for a real agent: the host name as node
// name, 0.0.0.0:8301, Consul's reap timeouts and memberlist's LAN timings.
func DefaultConfig() *Config {
	hostname, _ := os.Hostname()
	mc := memberlist.DefaultLANConfig()
	mc.BindPort = DefaultPort
	mc.AdvertisePort = DefaultPort
	return &Config{
		NodeName:         hostname,
		BindAddr:         "0.0.0.0",
		BindPort:         DefaultPort,
		Tags:             map[string]string{},
		ReconnectTimeout: DefaultReconnectTimeout,
		TombstoneTimeout: DefaultTombstoneTimeout,
		Memberlist:       mc,
	}
}

// normalized validates c and returns a copy with defaults filled in.
func (c *Config) normalized() (*Config, error) {
	if c == nil {
		return nil, errors.New("lan: nil config")
	}
	out := *c
	if out.NodeName == "" {
		return nil, errors.New("lan: NodeName is required")
	}
	if out.BindAddr == "" {
		out.BindAddr = "0.0.0.0"
	}
	if net.ParseIP(out.BindAddr) == nil {
		return nil, fmt.Errorf("lan: BindAddr %q is not an IP address", out.BindAddr)
	}
	if out.AdvertiseAddr != "" && net.ParseIP(out.AdvertiseAddr) == nil {
		return nil, fmt.Errorf("lan: AdvertiseAddr %q is not an IP address", out.AdvertiseAddr)
	}
	if out.BindPort < 0 || out.BindPort > 65535 {
		return nil, fmt.Errorf("lan: BindPort %d out of range", out.BindPort)
	}
	if out.AdvertisePort < 0 || out.AdvertisePort > 65535 {
		return nil, fmt.Errorf("lan: AdvertisePort %d out of range", out.AdvertisePort)
	}
	switch len(out.SecretKey) {
	case 0, 16, 24, 32:
	default:
		return nil, fmt.Errorf("lan: SecretKey must be 16, 24 or 32 bytes, got %d", len(out.SecretKey))
	}
	out.SecretKey = append([]byte(nil), out.SecretKey...)
	if len(out.SecretKey) == 0 {
		out.SecretKey = nil
	}
	if out.ReconnectTimeout <= 0 {
		out.ReconnectTimeout = DefaultReconnectTimeout
	}
	if out.ReconnectInterval <= 0 {
		out.ReconnectInterval = DefaultReconnectInterval
	}
	if out.TombstoneTimeout <= 0 {
		out.TombstoneTimeout = DefaultTombstoneTimeout
	}
	if out.JoinPort < 0 || out.JoinPort > 65535 {
		return nil, fmt.Errorf("lan: JoinPort %d out of range", out.JoinPort)
	}
	if out.JoinPort == 0 {
		out.JoinPort = DefaultPort
	}
	if out.KeyringTimeout <= 0 {
		out.KeyringTimeout = defaultKeyringTimeout
	}
	if out.Logger == nil {
		out.Logger = hclog.NewNullLogger()
	}
	out.Tags = copyTags(out.Tags)
	return &out, nil
}

// memberlistConfig builds the memberlist configuration for p from the
// normalized config c; keyring is nil when gossip is not encrypted.
func (c *Config) memberlistConfig(p *Pool, keyring *memberlist.Keyring) *memberlist.Config {
	var mc memberlist.Config
	if c.Memberlist != nil {
		mc = *c.Memberlist
	} else {
		mc = *memberlist.DefaultLANConfig()
	}
	mc.Name = c.NodeName
	mc.BindAddr = c.BindAddr
	mc.BindPort = c.BindPort
	mc.AdvertiseAddr = c.AdvertiseAddr
	mc.AdvertisePort = c.AdvertisePort
	if mc.AdvertisePort == 0 {
		// Without an advertise IP memberlist uses the bound port anyway;
		// with one, the bound port is BindPort (when BindPort is 0,
		// memberlist overwrites AdvertisePort with the port it got).
		mc.AdvertisePort = c.BindPort
	}
	mc.SecretKey = nil
	mc.Keyring = keyring
	mc.GossipVerifyIncoming = !c.AllowPlaintextIn
	mc.GossipVerifyOutgoing = !c.PlaintextOut
	if mc.DelegateProtocolMin == 0 && mc.DelegateProtocolMax == 0 && mc.DelegateProtocolVersion == 0 {
		mc.DelegateProtocolMin = delegateProtocolMin
		mc.DelegateProtocolMax = delegateProtocolMax
		mc.DelegateProtocolVersion = delegateProtocolVersion
	}
	mc.LogOutput = nil
	mc.Logger = c.Logger.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})
	mc.Delegate = &delegate{p: p}
	mc.Events = &eventDelegate{p: p}
	mc.Conflict = &conflictDelegate{p: p}
	if p.coords != nil {
		mc.Ping = &pingDelegate{p: p}
	}
	return &mc
}
