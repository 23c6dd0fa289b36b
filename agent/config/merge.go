package config

import (
	"fmt"
	"strings"
	"time"
)

// partial is what one source (a file, or the flags) sets. A nil pointer is
// a setting the source leaves alone; lists and maps are added to what the
// earlier sources set.
type partial struct {
	Datacenter, NodeName, NodeID, DataDir *string
	Server, Bootstrap, DevMode            *bool
	BootstrapExpect                       *int

	BindAddr, AdvertiseAddr       *string
	ClientAddr, HTTPAddr, DNSAddr *string
	HTTPSAddr                     *string
	Ports                         portsPartial
	TLS                           tlsPartial
	AutoEncrypt                   autoEncryptPartial

	StartJoin, RetryJoin []string
	RetryInterval        *time.Duration
	RetryMax             *int

	AdvertiseAddrWAN           *string
	StartJoinWAN, RetryJoinWAN []string
	RetryIntervalWAN           *time.Duration
	RetryMaxWAN                *int

	UI, UIConfigEnabled   *bool
	EnableDebug           *bool
	DisableCoordinates    *bool
	LogLevel              *string
	LogJSON, EnableSyslog *bool

	Domain    *string
	Recursors []string
	AltDomain *string
	DNS       dnsPartial

	EnableScriptChecks, EnableLocalScriptChecks  *bool
	EncryptKey                                   *string
	EncryptVerifyIncoming, EncryptVerifyOutgoing *bool
	LeaveOnTerm, SkipLeaveOnInt                  *bool

	RaftProtocol, RaftMultiplier            *int
	RaftSnapshotThreshold, RaftTrailingLogs *int
	RaftSnapshotInterval, ReconnectTimeout  *time.Duration
	RPCHoldTimeout, CheckUpdateInterval     *time.Duration
	SessionTTLMin                           *time.Duration

	DisableUpdateCheck *bool
	ServerName         *string

	ACL                   aclPartial
	PrimaryDatacenter     *string
	HTTPMaxConnsPerClient *int

	MetricsPrefix           *string
	PrometheusRetentionTime *time.Duration
	DisableHostname         *bool

	AutopilotCleanupDeadServers                  *bool
	AutopilotLastContact, AutopilotStabilization *time.Duration
	AutopilotMaxTrailingLogs, AutopilotMinQuorum *int

	NodeMeta map[string]string
	Services []ServiceDefinition
	Checks   []CheckDefinition
	Watches  []WatchDefinition
	// Templates are the "template" blocks (agent/template).
	Templates []TemplateDefinition
}

type aclPartial struct {
	Enabled, EnableTokenPersistence, EnableTokenReplication *bool
	DefaultPolicy, DownPolicy                               *string
	TokenTTL                                                *time.Duration
	InitialManagement, Agent, AgentRecovery, Default, DNS   *string
	Replication                                             *string
}

func (dst *aclPartial) merge(src *aclPartial) {
	over(&dst.Enabled, src.Enabled)
	over(&dst.EnableTokenPersistence, src.EnableTokenPersistence)
	over(&dst.EnableTokenReplication, src.EnableTokenReplication)
	over(&dst.DefaultPolicy, src.DefaultPolicy)
	over(&dst.DownPolicy, src.DownPolicy)
	over(&dst.TokenTTL, src.TokenTTL)
	over(&dst.InitialManagement, src.InitialManagement)
	over(&dst.Agent, src.Agent)
	over(&dst.AgentRecovery, src.AgentRecovery)
	over(&dst.Default, src.Default)
	over(&dst.DNS, src.DNS)
	over(&dst.Replication, src.Replication)
}

type dnsPartial struct {
	AllowStale, OnlyPassing, EnableTruncate    *bool
	MaxStale, NodeTTL, RecursorTimeout         *time.Duration
	ServiceTTL                                 map[string]time.Duration
	UDPAnswerLimit                             *int
	SOARefresh, SOARetry, SOAExpire, SOAMinTTL *int
	Zone                                       zonePartial
}

func (dst *dnsPartial) merge(src *dnsPartial) {
	over(&dst.AllowStale, src.AllowStale)
	over(&dst.OnlyPassing, src.OnlyPassing)
	over(&dst.EnableTruncate, src.EnableTruncate)
	over(&dst.MaxStale, src.MaxStale)
	over(&dst.NodeTTL, src.NodeTTL)
	over(&dst.RecursorTimeout, src.RecursorTimeout)
	over(&dst.UDPAnswerLimit, src.UDPAnswerLimit)
	over(&dst.SOARefresh, src.SOARefresh)
	over(&dst.SOARetry, src.SOARetry)
	over(&dst.SOAExpire, src.SOAExpire)
	over(&dst.SOAMinTTL, src.SOAMinTTL)
	dst.Zone.merge(&src.Zone)
	for k, v := range src.ServiceTTL {
		if dst.ServiceTTL == nil {
			dst.ServiceTTL = map[string]time.Duration{}
		}
		dst.ServiceTTL[k] = v
	}
}

func (p *dnsPartial) build(c *DNSConfig) {
	set(&c.AllowStale, p.AllowStale)
	set(&c.OnlyPassing, p.OnlyPassing)
	set(&c.EnableTruncate, p.EnableTruncate)
	set(&c.MaxStale, p.MaxStale)
	set(&c.NodeTTL, p.NodeTTL)
	set(&c.RecursorTimeout, p.RecursorTimeout)
	set(&c.UDPAnswerLimit, p.UDPAnswerLimit)
	set(&c.SOA.Refresh, p.SOARefresh)
	set(&c.SOA.Retry, p.SOARetry)
	set(&c.SOA.Expire, p.SOAExpire)
	set(&c.SOA.MinTTL, p.SOAMinTTL)
	p.Zone.build(&c.ZoneTransfer, &c.ZoneUpdate)
	if len(p.ServiceTTL) > 0 {
		c.ServiceTTL = make(map[string]time.Duration, len(p.ServiceTTL))
		for k, v := range p.ServiceTTL {
			c.ServiceTTL[k] = v
		}
	}
}

type portsPartial struct {
	HTTP, HTTPS, DNS, SerfLAN, SerfWAN, Server *int
}

func over[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// merge lays src over dst: src's scalars win, its lists are appended and
// its map keys override.
func (dst *partial) merge(src *partial) {
	over(&dst.Datacenter, src.Datacenter)
	over(&dst.NodeName, src.NodeName)
	over(&dst.NodeID, src.NodeID)
	over(&dst.DataDir, src.DataDir)
	over(&dst.Server, src.Server)
	over(&dst.Bootstrap, src.Bootstrap)
	over(&dst.DevMode, src.DevMode)
	over(&dst.BootstrapExpect, src.BootstrapExpect)
	over(&dst.BindAddr, src.BindAddr)
	over(&dst.AdvertiseAddr, src.AdvertiseAddr)
	over(&dst.ClientAddr, src.ClientAddr)
	over(&dst.HTTPAddr, src.HTTPAddr)
	over(&dst.DNSAddr, src.DNSAddr)
	over(&dst.HTTPSAddr, src.HTTPSAddr)
	dst.TLS.merge(&src.TLS)
	dst.AutoEncrypt.merge(&src.AutoEncrypt)
	over(&dst.Ports.HTTP, src.Ports.HTTP)
	over(&dst.Ports.HTTPS, src.Ports.HTTPS)
	over(&dst.Ports.DNS, src.Ports.DNS)
	over(&dst.Ports.SerfLAN, src.Ports.SerfLAN)
	over(&dst.Ports.SerfWAN, src.Ports.SerfWAN)
	over(&dst.Ports.Server, src.Ports.Server)
	dst.StartJoin = append(dst.StartJoin, src.StartJoin...)
	dst.RetryJoin = append(dst.RetryJoin, src.RetryJoin...)
	over(&dst.RetryInterval, src.RetryInterval)
	over(&dst.RetryMax, src.RetryMax)
	over(&dst.AdvertiseAddrWAN, src.AdvertiseAddrWAN)
	dst.StartJoinWAN = append(dst.StartJoinWAN, src.StartJoinWAN...)
	dst.RetryJoinWAN = append(dst.RetryJoinWAN, src.RetryJoinWAN...)
	over(&dst.RetryIntervalWAN, src.RetryIntervalWAN)
	over(&dst.RetryMaxWAN, src.RetryMaxWAN)
	over(&dst.UI, src.UI)
	over(&dst.EnableDebug, src.EnableDebug)
	over(&dst.DisableCoordinates, src.DisableCoordinates)
	over(&dst.UIConfigEnabled, src.UIConfigEnabled)
	over(&dst.LogLevel, src.LogLevel)
	over(&dst.LogJSON, src.LogJSON)
	over(&dst.EnableSyslog, src.EnableSyslog)
	over(&dst.Domain, src.Domain)
	dst.Recursors = append(dst.Recursors, src.Recursors...)
	over(&dst.AltDomain, src.AltDomain)
	dst.DNS.merge(&src.DNS)
	over(&dst.EnableScriptChecks, src.EnableScriptChecks)
	over(&dst.EnableLocalScriptChecks, src.EnableLocalScriptChecks)
	over(&dst.EncryptKey, src.EncryptKey)
	over(&dst.EncryptVerifyIncoming, src.EncryptVerifyIncoming)
	over(&dst.EncryptVerifyOutgoing, src.EncryptVerifyOutgoing)
	over(&dst.LeaveOnTerm, src.LeaveOnTerm)
	over(&dst.SkipLeaveOnInt, src.SkipLeaveOnInt)
	over(&dst.RaftProtocol, src.RaftProtocol)
	over(&dst.RaftMultiplier, src.RaftMultiplier)
	over(&dst.RaftSnapshotThreshold, src.RaftSnapshotThreshold)
	over(&dst.RaftTrailingLogs, src.RaftTrailingLogs)
	over(&dst.RaftSnapshotInterval, src.RaftSnapshotInterval)
	over(&dst.ReconnectTimeout, src.ReconnectTimeout)
	over(&dst.RPCHoldTimeout, src.RPCHoldTimeout)
	over(&dst.CheckUpdateInterval, src.CheckUpdateInterval)
	over(&dst.SessionTTLMin, src.SessionTTLMin)
	over(&dst.DisableUpdateCheck, src.DisableUpdateCheck)
	over(&dst.ServerName, src.ServerName)
	dst.ACL.merge(&src.ACL)
	over(&dst.PrimaryDatacenter, src.PrimaryDatacenter)
	over(&dst.HTTPMaxConnsPerClient, src.HTTPMaxConnsPerClient)
	over(&dst.MetricsPrefix, src.MetricsPrefix)
	over(&dst.PrometheusRetentionTime, src.PrometheusRetentionTime)
	over(&dst.DisableHostname, src.DisableHostname)
	over(&dst.AutopilotCleanupDeadServers, src.AutopilotCleanupDeadServers)
	over(&dst.AutopilotLastContact, src.AutopilotLastContact)
	over(&dst.AutopilotStabilization, src.AutopilotStabilization)
	over(&dst.AutopilotMaxTrailingLogs, src.AutopilotMaxTrailingLogs)
	over(&dst.AutopilotMinQuorum, src.AutopilotMinQuorum)
	for k, v := range src.NodeMeta {
		if dst.NodeMeta == nil {
			dst.NodeMeta = map[string]string{}
		}
		dst.NodeMeta[k] = v
	}
	dst.Services = append(dst.Services, src.Services...)
	dst.Checks = append(dst.Checks, src.Checks...)
	dst.Watches = append(dst.Watches, src.Watches...)
	dst.Templates = append(dst.Templates, src.Templates...)
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// build turns the merged sources into a Config: defaults first, then what
// the sources set, then the values derived from other settings.
func (l *loader) build(p *partial) (*Config, []string, error) {
	var warnings []string
	dev := p.DevMode != nil && *p.DevMode
	c := l.defaults(dev)

	set(&c.Datacenter, p.Datacenter)
	set(&c.NodeName, p.NodeName)
	set(&c.NodeID, p.NodeID)
	set(&c.DataDir, p.DataDir)
	set(&c.Server, p.Server)
	set(&c.Bootstrap, p.Bootstrap)
	set(&c.BootstrapExpect, p.BootstrapExpect)
	set(&c.BindAddr, p.BindAddr)
	set(&c.AdvertiseAddr, p.AdvertiseAddr)
	if p.ClientAddr != nil {
		c.ClientAddrs = strings.Fields(*p.ClientAddr)
	}
	c.HTTPAddrs = append([]string(nil), c.ClientAddrs...)
	c.DNSAddrs = append([]string(nil), c.ClientAddrs...)
	if p.HTTPAddr != nil {
		c.HTTPAddrs = strings.Fields(*p.HTTPAddr)
	}
	if p.DNSAddr != nil {
		c.DNSAddrs = strings.Fields(*p.DNSAddr)
	}
	c.HTTPSAddrs = append([]string(nil), c.ClientAddrs...)
	if p.HTTPSAddr != nil {
		c.HTTPSAddrs = strings.Fields(*p.HTTPSAddr)
	}
	var tlsWarnings []string
	c.TLS, tlsWarnings = buildTLS(&p.TLS)
	warnings = append(warnings, tlsWarnings...)
	c.AutoEncrypt = buildAutoEncrypt(&p.AutoEncrypt)
	set(&c.Ports.HTTP, p.Ports.HTTP)
	set(&c.Ports.HTTPS, p.Ports.HTTPS)
	set(&c.Ports.DNS, p.Ports.DNS)
	set(&c.Ports.SerfLAN, p.Ports.SerfLAN)
	set(&c.Ports.SerfWAN, p.Ports.SerfWAN)
	set(&c.Ports.Server, p.Ports.Server)
	c.StartJoin = append([]string(nil), p.StartJoin...)
	c.RetryJoin = append([]string(nil), p.RetryJoin...)
	set(&c.RetryInterval, p.RetryInterval)
	set(&c.RetryMaxAttempts, p.RetryMax)
	c.StartJoinWAN = append([]string(nil), p.StartJoinWAN...)
	c.RetryJoinWAN = append([]string(nil), p.RetryJoinWAN...)
	set(&c.RetryIntervalWAN, p.RetryIntervalWAN)
	set(&c.RetryMaxAttemptsWAN, p.RetryMaxWAN)
	// ui_config.enabled (and -ui) wins over the older top-level ui.
	set(&c.UI, p.UI)
	set(&c.EnableDebug, p.EnableDebug)
	set(&c.DisableCoordinates, p.DisableCoordinates)
	set(&c.UI, p.UIConfigEnabled)
	set(&c.LogLevel, p.LogLevel)
	set(&c.LogJSON, p.LogJSON)
	set(&c.EnableSyslog, p.EnableSyslog)
	set(&c.Domain, p.Domain)
	c.Recursors = append([]string(nil), p.Recursors...)
	set(&c.AltDomain, p.AltDomain)
	p.DNS.build(&c.DNS)
	set(&c.EnableScriptChecks, p.EnableScriptChecks)
	set(&c.EnableLocalScriptChecks, p.EnableLocalScriptChecks)
	set(&c.EncryptKey, p.EncryptKey)
	set(&c.EncryptVerifyIncoming, p.EncryptVerifyIncoming)
	set(&c.EncryptVerifyOutgoing, p.EncryptVerifyOutgoing)
	set(&c.RaftProtocol, p.RaftProtocol)
	set(&c.RaftMultiplier, p.RaftMultiplier)
	set(&c.RaftSnapshotThreshold, p.RaftSnapshotThreshold)
	set(&c.RaftSnapshotInterval, p.RaftSnapshotInterval)
	set(&c.RaftTrailingLogs, p.RaftTrailingLogs)
	set(&c.ReconnectTimeout, p.ReconnectTimeout)
	set(&c.RPCHoldTimeout, p.RPCHoldTimeout)
	set(&c.CheckUpdateInterval, p.CheckUpdateInterval)
	set(&c.SessionTTLMin, p.SessionTTLMin)
	set(&c.DisableUpdateCheck, p.DisableUpdateCheck)
	set(&c.ServerName, p.ServerName)
	set(&c.ACL.Enabled, p.ACL.Enabled)
	set(&c.ACL.EnableTokenPersistence, p.ACL.EnableTokenPersistence)
	set(&c.ACL.EnableTokenReplication, p.ACL.EnableTokenReplication)
	set(&c.ACL.DefaultPolicy, p.ACL.DefaultPolicy)
	set(&c.ACL.DownPolicy, p.ACL.DownPolicy)
	set(&c.ACL.TokenTTL, p.ACL.TokenTTL)
	set(&c.ACL.Tokens.InitialManagement, p.ACL.InitialManagement)
	set(&c.ACL.Tokens.Agent, p.ACL.Agent)
	set(&c.ACL.Tokens.AgentRecovery, p.ACL.AgentRecovery)
	set(&c.ACL.Tokens.Default, p.ACL.Default)
	set(&c.ACL.Tokens.DNS, p.ACL.DNS)
	set(&c.ACL.Tokens.Replication, p.ACL.Replication)
	set(&c.PrimaryDatacenter, p.PrimaryDatacenter)
	set(&c.HTTPMaxConnsPerClient, p.HTTPMaxConnsPerClient)
	set(&c.Telemetry.MetricsPrefix, p.MetricsPrefix)
	set(&c.Telemetry.PrometheusRetentionTime, p.PrometheusRetentionTime)
	set(&c.Telemetry.DisableHostname, p.DisableHostname)
	set(&c.Autopilot.CleanupDeadServers, p.AutopilotCleanupDeadServers)
	set(&c.Autopilot.LastContactThreshold, p.AutopilotLastContact)
	set(&c.Autopilot.ServerStabilizationTime, p.AutopilotStabilization)
	set(&c.Autopilot.MaxTrailingLogs, p.AutopilotMaxTrailingLogs)
	set(&c.Autopilot.MinQuorum, p.AutopilotMinQuorum)
	for k, v := range p.NodeMeta {
		c.NodeMeta[k] = v
	}
	c.Services = append([]ServiceDefinition(nil), p.Services...)
	c.Checks = append([]CheckDefinition(nil), p.Checks...)
	c.Watches = append([]WatchDefinition(nil), p.Watches...)
	c.Templates = append([]TemplateDefinition(nil), p.Templates...)

	if dev {
		// -dev always runs a self-bootstrapping server.
		if !c.Server {
			warnings = append(warnings, "server = false is ignored in -dev mode: a dev agent is always a server")
		}
		if c.BootstrapExpect != 0 {
			warnings = append(warnings, fmt.Sprintf("bootstrap_expect = %d is ignored in -dev mode: a dev server bootstraps itself", c.BootstrapExpect))
		}
		c.Server, c.Bootstrap, c.BootstrapExpect = true, true, 0
	}
	if c.Server && c.BootstrapExpect == 1 && !c.Bootstrap {
		warnings = append(warnings, "bootstrap_expect = 1 is the same as bootstrap = true, and is used as such")
		c.Bootstrap, c.BootstrapExpect = true, 0
	}

	c.Datacenter = strings.ToLower(c.Datacenter)
	c.NodeID = strings.ToLower(c.NodeID)
	c.LogLevel = strings.ToLower(c.LogLevel)
	if c.Domain != "" && !strings.HasSuffix(c.Domain, ".") {
		c.Domain += "."
	}
	if c.AltDomain != "" && !strings.HasSuffix(c.AltDomain, ".") {
		c.AltDomain += "."
	}
	if c.NodeName == "" {
		host, err := l.hostname()
		if err != nil || host == "" {
			return nil, warnings, fmt.Errorf("node_name is required: the host name could not be read (%v); set -node or node_name", err)
		}
		c.NodeName = host
	}
	if p.AdvertiseAddr == nil {
		c.AdvertiseAddr = l.advertiseFor(c.BindAddr)
	}
	c.AdvertiseAddrWAN = c.AdvertiseAddr
	set(&c.AdvertiseAddrWAN, p.AdvertiseAddrWAN)
	c.LeaveOnTerm = !c.Server
	set(&c.LeaveOnTerm, p.LeaveOnTerm)
	c.SkipLeaveOnInt = c.Server
	set(&c.SkipLeaveOnInt, p.SkipLeaveOnInt)
	fillDefinitions(c)
	return c, warnings, nil
}
