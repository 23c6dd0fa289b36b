package config

import (
	"context"
	"net"
	"os"
	"time"

	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/memberlist"
)

// Config is the agent's runtime configuration: every field is Go-typed and
// already defaulted, so the agent reads it as it is.
type Config struct {
	// Datacenter is lowercased; default "dc1".
	Datacenter string
	// NodeName defaults to the host name.
	NodeName string
	// NodeID is empty or a lowercased UUID.
	NodeID  string
	DataDir string

	Server          bool
	Bootstrap       bool
	BootstrapExpect int
	DevMode         bool

	// BindAddr is the address the cluster listeners (Serf LAN/WAN, server
	// RPC) bind to; default "0.0.0.0".
	BindAddr string
	// AdvertiseAddr is the address other agents reach this one at. When
	// unset it is BindAddr, or, when BindAddr is 0.0.0.0 or ::, the host's
	// first private IPv4 address (127.0.0.1 when it has none).
	AdvertiseAddr string
	// ClientAddrs are the addresses the client interfaces (HTTP, DNS) bind
	// to; default ["127.0.0.1"].
	ClientAddrs []string
	// HTTPAddrs and DNSAddrs come from addresses.http and addresses.dns,
	// and default to ClientAddrs.
	HTTPAddrs []string
	DNSAddrs  []string
	// HTTPSAddrs come from addresses.https and default to ClientAddrs.
	HTTPSAddrs []string
	Ports      Ports
	// TLS secures the server port and the HTTPS API (tls {}).
	TLS TLS
	// AutoEncrypt lets client agents get their server-port certificate
	// from the servers (auto_encrypt {}).
	AutoEncrypt AutoEncrypt

	StartJoin        []string
	RetryJoin        []string
	RetryInterval    time.Duration
	RetryMaxAttempts int // 0 retries forever

	// WAN federation (servers only): the address other datacenters'
	// servers reach this one at (advertise_addr_wan, default
	// AdvertiseAddr) and the WAN pool's joins, as on the LAN.
	AdvertiseAddrWAN    string
	StartJoinWAN        []string
	RetryJoinWAN        []string
	RetryIntervalWAN    time.Duration
	RetryMaxAttemptsWAN int // 0 retries forever
	// WANFaults cuts WAN gossip and cross-datacenter RPC between chosen
	// addresses, and WANLocalTimings runs the WAN pool with memberlist's
	// local-network timings instead of its WAN preset: tests only, never
	// read from files.
	WANFaults       *wan.Faults
	WANLocalTimings bool

	UI bool
	// EnableDebug serves net/http/pprof under /debug/pprof/ on the HTTP
	// API (operator:read once ACLs are on); on in -dev, as in Consul.
	EnableDebug bool
	// LogLevel is one of trace, debug, info, warn, error (lowercased).
	LogLevel     string
	LogJSON      bool
	EnableSyslog bool

	// Domain is the DNS domain, always fully qualified; default "consul.".
	Domain    string
	Recursors []string
	// AltDomain is a second domain answered like Domain ("" for none);
	// fully qualified when set.
	AltDomain string
	// DNS is the dns_config block.
	DNS DNSConfig

	EnableScriptChecks      bool
	EnableLocalScriptChecks bool

	// EncryptKey is the base64 gossip key (16, 24 or 32 bytes decoded).
	EncryptKey string
	// EncryptVerifyIncoming refuses unencrypted gossip and
	// EncryptVerifyOutgoing encrypts all gossip (both default true);
	// turned off, they let encryption be enabled on a running pool.
	EncryptVerifyIncoming bool
	EncryptVerifyOutgoing bool

	// LeaveOnTerm defaults to true on clients and false on servers;
	// SkipLeaveOnInt to false on clients and true on servers.
	LeaveOnTerm    bool
	SkipLeaveOnInt bool

	RaftProtocol          int
	RaftMultiplier        int
	RaftSnapshotThreshold int
	RaftSnapshotInterval  time.Duration
	RaftTrailingLogs      int
	ReconnectTimeout      time.Duration
	// RPCHoldTimeout is how long a call keeps looking for a server or a
	// leader after its first failure (performance.rpc_hold_timeout).
	RPCHoldTimeout time.Duration
	// CheckUpdateInterval is how long a check's output-only change may
	// wait before it is written to the catalog (check_update_interval).
	CheckUpdateInterval time.Duration

	// AEInterval (the base full anti-entropy period) and
	// CheckReapInterval (how often services critical past their
	// deregister_critical_service_after are removed) are not read from
	// files, as in Consul; tests shorten them.
	AEInterval        time.Duration
	CheckReapInterval time.Duration
	// AutoEncryptCertTTL is how long the client certificates a server
	// signs are valid (0: 72 h, as in Consul); not read from files, tests
	// shorten it.
	AutoEncryptCertTTL time.Duration

	// SessionTTLMin is the shortest session TTL a server accepts
	// (session_ttl_min, Consul's key; 10s). Patroni sends half its ttl, so
	// a Patroni ttl below 20 s needs it lowered, as with Consul.
	// SessionTTLMultiplier (the grace before a session whose TTL lapsed is
	// destroyed, 2) is not read from files; tests shorten it. Zero keeps
	// the server's defaults.
	SessionTTLMin        time.Duration
	SessionTTLMultiplier int
	// AutopilotInterval shortens autopilot's health and reconcile rounds
	// (2 s and 10 s); not a file key, tests set it.
	AutopilotInterval time.Duration

	// ReconnectInterval is how often the LAN pool contacts one failed
	// member again (0: serf's 30 s); not read from files, as in Consul;
	// tests shorten it.
	ReconnectInterval time.Duration

	// TestNetwork, when set, carries the agent's outgoing server-port
	// connections and its LAN gossip, so a test can cut the agent off
	// from the others (agenttest.Faults). It is never read from files and
	// is nil in production, where the agent uses the sockets directly.
	TestNetwork Network
	// CoordinateSyncInterval is the shortest wait between two sends of
	// this agent's network coordinate (Consul's 15 s), and
	// CoordinateUpdatePeriod how often a leader writes the coordinates it
	// received (5 s). Not read from files; tests shorten them. Zero
	// keeps the defaults.
	CoordinateSyncInterval time.Duration
	CoordinateUpdatePeriod time.Duration
	// DisableCoordinates turns network coordinates off
	// (disable_coordinates): no Vivaldi client in the LAN pool, no
	// coordinate sent, and ?near sorts nothing for this agent's node.
	DisableCoordinates bool

	DisableUpdateCheck bool
	ServerName         string

	ACL ACL
	// PrimaryDatacenter is where ACL objects are authored (default: this
	// datacenter).
	PrimaryDatacenter string

	// Telemetry is the telemetry {} block: how metrics are named.
	Telemetry Telemetry

	// Autopilot is the autopilot {} block: the configuration a cluster's
	// leader uses until an operator stores one through the API.
	Autopilot Autopilot

	// HTTPMaxConnsPerClient bounds the HTTP connections one client IP may
	// hold open (limits.http_max_conns_per_client); 0 means no limit.
	HTTPMaxConnsPerClient int

	NodeMeta map[string]string
	Services []ServiceDefinition
	Checks   []CheckDefinition
	// Watches are the "watches" entries, started with the agent and
	// replaced on reload.
	Watches []WatchDefinition
	// Templates are the "template" blocks, rendered while the agent
	// runs and replaced on reload.
	Templates []TemplateDefinition
}

// DNSConfig is the dns_config block.
type DNSConfig struct {
	// AllowStale lets any server answer DNS reads (default true), unless
	// its data is older than MaxStale, when the leader is asked.
	AllowStale bool
	MaxStale   time.Duration
	// NodeTTL and ServiceTTL (service name, "prefix*" or "*" to a
	// duration) set the records' TTLs; both default to 0.
	NodeTTL    time.Duration
	ServiceTTL map[string]time.Duration
	// UDPAnswerLimit caps the answer records of a UDP response (3).
	UDPAnswerLimit int
	// OnlyPassing drops instances with a warning check as well.
	OnlyPassing bool
	// RecursorTimeout bounds each recursor's answer (2s).
	RecursorTimeout time.Duration
	// EnableTruncate is accepted for Consul's files; concord always sets
	// TC when it leaves records out.
	EnableTruncate bool
	SOA            DNSSOA
	// ZoneTransfer and ZoneUpdate export a zone of healthy instances to
	// other DNS servers (zone_def.go).
	ZoneTransfer ZoneTransferConfig
	ZoneUpdate   ZoneUpdateConfig
}

// DNSSOA holds the SOA record's timers in seconds (dns_config.soa).
type DNSSOA struct {
	Refresh, Retry, Expire, MinTTL int
}

// Ports are the agent's listening ports; -1 disables one.
type Ports struct {
	HTTP    int
	HTTPS   int
	DNS     int
	SerfLAN int
	SerfWAN int
	Server  int
}

// Defaults that do not depend on other settings.
const (
	defaultDatacenter            = "dc1"
	defaultBindAddr              = "0.0.0.0"
	defaultClientAddr            = "127.0.0.1"
	defaultDomain                = "consul."
	defaultLogLevel              = "info"
	defaultRetryInterval         = 30 * time.Second
	defaultRaftProtocol          = 3
	defaultRaftMultiplier        = 1
	defaultRaftSnapshotThreshold = 16384
	defaultRaftSnapshotInterval  = 30 * time.Second
	defaultRaftTrailingLogs      = 10240
	defaultReconnectTimeout      = 72 * time.Hour
	defaultRPCHoldTimeout        = 7 * time.Second
	defaultCheckUpdateInterval   = 5 * time.Minute
	defaultAEInterval            = time.Minute
	defaultCheckReapInterval     = 10 * time.Second
	defaultHTTPMaxConnsPerClient = 200
	defaultMetricsPrefix         = "concord"
	defaultDNSMaxStale           = 10 * 365 * 24 * time.Hour // Consul's: stale data is always good enough
)

// DefaultConfig returns the configuration of a client agent started with no
// flags and no files (its DataDir is empty, which Load would refuse).
func DefaultConfig() *Config {
	l := newLoader()
	c := l.defaults(false)
	c.NodeName, _ = l.hostname()
	c.AdvertiseAddr = l.advertiseFor(c.BindAddr)
	c.AdvertiseAddrWAN = c.AdvertiseAddr
	c.HTTPAddrs = append([]string(nil), c.ClientAddrs...)
	c.DNSAddrs = append([]string(nil), c.ClientAddrs...)
	c.HTTPSAddrs = append([]string(nil), c.ClientAddrs...)
	c.LeaveOnTerm = !c.Server
	c.SkipLeaveOnInt = c.Server
	return c
}

// loader holds what a load reads from the host, so tests can replace it.
type loader struct {
	hostname    func() (string, error)
	privateIPv4 func() (string, bool)
}

func newLoader() *loader {
	return &loader{hostname: os.Hostname, privateIPv4: firstPrivateIPv4}
}

// defaults returns the settings that hold before any file or flag is
// applied. Values that depend on other settings (node name, advertise
// address, leave behaviour, HTTP/DNS addresses) are filled in later.
func (l *loader) defaults(dev bool) *Config {
	c := &Config{
		Datacenter:            defaultDatacenter,
		BindAddr:              defaultBindAddr,
		ClientAddrs:           []string{defaultClientAddr},
		Ports:                 Ports{HTTP: 8500, HTTPS: -1, DNS: 8600, SerfLAN: 8301, SerfWAN: 8302, Server: 8300},
		RetryInterval:         defaultRetryInterval,
		RetryIntervalWAN:      defaultRetryInterval,
		LogLevel:              defaultLogLevel,
		Domain:                defaultDomain,
		RaftProtocol:          defaultRaftProtocol,
		RaftMultiplier:        defaultRaftMultiplier,
		RaftSnapshotThreshold: defaultRaftSnapshotThreshold,
		RaftSnapshotInterval:  defaultRaftSnapshotInterval,
		RaftTrailingLogs:      defaultRaftTrailingLogs,
		ReconnectTimeout:      defaultReconnectTimeout,
		RPCHoldTimeout:        defaultRPCHoldTimeout,
		CheckUpdateInterval:   defaultCheckUpdateInterval,
		AEInterval:            defaultAEInterval,
		CheckReapInterval:     defaultCheckReapInterval,
		ACL:                   ACL{DefaultPolicy: "allow", DownPolicy: "extend-cache", TokenTTL: 30 * time.Second},
		DNS: DNSConfig{AllowStale: true, MaxStale: defaultDNSMaxStale, UDPAnswerLimit: 3,
			RecursorTimeout: 2 * time.Second, SOA: DNSSOA{Refresh: 3600, Retry: 600, Expire: 86400}},
		NodeMeta:              map[string]string{},
		HTTPMaxConnsPerClient: defaultHTTPMaxConnsPerClient,
		Telemetry:             Telemetry{MetricsPrefix: defaultMetricsPrefix},
		Autopilot:             DefaultAutopilot(),
		EncryptVerifyIncoming: true,
		EncryptVerifyOutgoing: true,
	}
	if dev {
		// Consul's -dev: an in-memory server that bootstraps itself and
		// listens on loopback only.
		c.DevMode = true
		c.Server = true
		c.Bootstrap = true
		c.BindAddr = "127.0.0.1"
		c.LogLevel = "debug"
		c.UI = true
		c.EnableDebug = true
	}
	return c
}

// advertiseFor is the default advertise address for a bind address.
func (l *loader) advertiseFor(bind string) string {
	ip := net.ParseIP(bind)
	if ip == nil || !ip.IsUnspecified() {
		return bind
	}
	if addr, ok := l.privateIPv4(); ok {
		return addr
	}
	return "127.0.0.1"
}

// firstPrivateIPv4 returns the first private (RFC 1918, or RFC 6598 shared)
// IPv4 address among the host's interfaces.
func firstPrivateIPv4() (string, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", false
	}
	_, shared, _ := net.ParseCIDR("100.64.0.0/10")
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip := ipnet.IP.To4()
		if ip == nil || ip.IsLoopback() {
			continue
		}
		if ip.IsPrivate() || shared.Contains(ip) {
			return ip.String(), true
		}
	}
	return "", false
}

// AutoEncrypt is the auto_encrypt {} block.
type AutoEncrypt struct {
	// TLS (client agents): ask the servers to sign this agent's
	// server-port certificate, so it needs only the CA file.
	TLS bool
	// AllowTLS (servers): sign client agents' certificates with the CA
	// key in tls.internal_rpc.ca_key_file, and let a client without a
	// certificate through the handshake for that call alone.
	AllowTLS bool
	// DNSSAN and IPSAN are extra names for the client's certificate.
	DNSSAN []string
	IPSAN  []string
}

// ACL is the acl {} block.
type ACL struct {
	Enabled bool
	// DefaultPolicy (allow or deny) decides what no rule covers.
	DefaultPolicy string
	// DownPolicy (allow, deny, extend-cache or async-cache) decides for a
	// client agent whose servers cannot resolve a token, and for a
	// secondary datacenter's server that cannot reach the primary.
	DownPolicy             string
	EnableTokenPersistence bool
	// EnableTokenReplication: a secondary datacenter's servers copy the
	// primary's global tokens too (with tokens.replication, which needs
	// acl:write), not only its policies and roles.
	EnableTokenReplication bool
	// TokenTTL is how long an agent caches a token's resolution.
	TokenTTL time.Duration
	Tokens   ACLTokens
}

// ACLTokens are the agent's own tokens. They are secrets: never logged,
// and removed from /v1/agent/self's DebugConfig.
type ACLTokens struct {
	InitialManagement string
	Agent             string
	AgentRecovery     string
	Default           string
	DNS               string
	Replication       string
}

// Autopilot is the autopilot {} block of a server (Consul's keys). It
// seeds the cluster's replicated autopilot configuration: the leader
// uses it while none has been set through
// /v1/operator/autopilot/configuration, which then wins.
type Autopilot struct {
	CleanupDeadServers      bool
	LastContactThreshold    time.Duration
	MaxTrailingLogs         int
	MinQuorum               int
	ServerStabilizationTime time.Duration
}

// DefaultAutopilot is Consul's default autopilot configuration.
func DefaultAutopilot() Autopilot {
	return Autopilot{CleanupDeadServers: true, LastContactThreshold: 200 * time.Millisecond,
		MaxTrailingLogs: 250, ServerStabilizationTime: 10 * time.Second}
}

// Telemetry is the telemetry {} block. Only the Prometheus exposition is
// implemented; the sinks Consul pushes to (statsite, statsd, DogStatsD,
// Circonus) are keys that load with a warning.
type Telemetry struct {
	// MetricsPrefix starts every metric name (default "concord"; "consul"
	// keeps dashboards written for Consul working).
	MetricsPrefix string
	// PrometheusRetentionTime is accepted for Consul's configs. Consul
	// serves nothing on /v1/agent/metrics?format=prometheus while it is
	// zero; concord always serves, since its registry keeps no expiring
	// samples.
	PrometheusRetentionTime time.Duration
	// DisableHostname is accepted for Consul's configs: concord never
	// puts the host name in a metric name.
	DisableHostname bool
}

// Network is what an agent's connections to other agents go through when
// a test sets Config.TestNetwork.
type Network interface {
	// DialContext opens the agent's TCP connections to server ports (RPC,
	// and Raft on a server).
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	// WrapGossip is given the UDP and TCP transport of the agent's LAN
	// gossip and returns the one to use.
	WrapGossip(memberlist.NodeAwareTransport) memberlist.NodeAwareTransport
}
