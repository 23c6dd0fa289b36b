package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"
)

// Consul's limits on node and service metadata.
const (
	metaMaxPairs    = 64
	metaMaxKeyLen   = 128
	metaMaxValueLen = 512
)

// minReconnectTimeout is the shortest reconnect_timeout Consul accepts.
const minReconnectTimeout = 8 * time.Hour

// maxSessionTTL is the longest session TTL Consul accepts (86400s); a
// session_ttl_min above it would refuse every TTL.
const maxSessionTTL = 24 * time.Hour

// onlyChars reports whether s is non-empty and every byte of it is an ASCII
// letter, a digit, or one of extra.
func onlyChars(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		alnum := (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
		if !alnum && strings.IndexByte(extra, b) < 0 {
			return false
		}
	}
	return true
}

// validLabel reports whether s is a DNS label: 1-63 letters, digits and
// dashes, not starting or ending with a dash.
func validLabel(s string) bool {
	return len(s) <= 63 && onlyChars(s, "-") && s[0] != '-' && s[len(s)-1] != '-'
}

// validUUID reports whether s is a UUID in its 8-4-4-4-12 hex form.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
				return false
			}
		}
	}
	return true
}

// checkLogLevel returns the lowercased level, or an error.
func checkLogLevel(s string) (string, error) {
	switch l := strings.ToLower(s); l {
	case "trace", "debug", "info", "warn", "error":
		return l, nil
	case "err":
		return "error", nil
	}
	return "", fmt.Errorf("log level %q is not one of trace, debug, info, warn, error", s)
}

func checkPort(p int) error {
	if p == -1 || (p >= 1 && p <= 65535) {
		return nil
	}
	return fmt.Errorf("%d is not a port: use 1-65535, or -1 to disable", p)
}

func checkDatacenter(dc string) error {
	if dc == "" {
		return errors.New("datacenter cannot be empty")
	}
	if !onlyChars(strings.ToLower(dc), "_-") {
		return fmt.Errorf("datacenter %q is invalid: use only letters, digits, '_' and '-'", dc)
	}
	return nil
}

func checkEncryptKey(key string) error {
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return fmt.Errorf("encrypt key is not valid base64: %v (generate one with \"concord keygen\")", err)
	}
	switch len(raw) {
	case 16, 24, 32:
		return nil
	}
	return fmt.Errorf("encrypt key decodes to %d bytes; it must be 16, 24 or 32 bytes", len(raw))
}

func checkNodeID(id string) error {
	if !validUUID(id) {
		return fmt.Errorf("node_id %q is not a UUID (like 8f2c5e2a-1c4b-4b6e-9d3a-2f1e0c7b6a59)", id)
	}
	return nil
}

func checkRaftProtocol(v int) error {
	if v != 3 {
		return fmt.Errorf("raft protocol %d is not supported: only 3 is", v)
	}
	return nil
}

// checkIP accepts an IP address; what names the setting for the message.
func checkIP(what, addr string) error {
	if net.ParseIP(addr) == nil {
		return fmt.Errorf("%s %q is not an IP address", what, addr)
	}
	return nil
}

// checkListenAddrs accepts IP addresses and unix:// sockets.
func checkListenAddrs(what string, addrs []string) []error {
	var errs []error
	if len(addrs) == 0 {
		errs = append(errs, fmt.Errorf("%s cannot be empty", what))
	}
	for _, a := range addrs {
		if strings.HasPrefix(a, "unix://") {
			continue
		}
		if err := checkIP(what, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func validateMeta(what string, meta map[string]string) []error {
	var errs []error
	if len(meta) > metaMaxPairs {
		errs = append(errs, fmt.Errorf("%s has %d pairs; at most %d are allowed", what, len(meta), metaMaxPairs))
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case !onlyChars(k, "_-"):
			errs = append(errs, fmt.Errorf("%s key %q is invalid: use only letters, digits, '_' and '-'", what, k))
		case len(k) > metaMaxKeyLen:
			errs = append(errs, fmt.Errorf("%s key %q is longer than %d characters", what, k, metaMaxKeyLen))
		case strings.HasPrefix(k, "consul-"):
			errs = append(errs, fmt.Errorf("%s key %q uses the reserved prefix \"consul-\"", what, k))
		}
		if len(meta[k]) > metaMaxValueLen {
			errs = append(errs, fmt.Errorf("%s value for %q is longer than %d characters", what, k, metaMaxValueLen))
		}
	}
	return errs
}

// validate checks a built config, returning warnings and every error found.
func validate(c *Config) ([]string, error) {
	var warnings []string
	var errs []error
	fail := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	failf := func(format string, args ...interface{}) { errs = append(errs, fmt.Errorf(format, args...)) }

	fail(checkDatacenter(c.Datacenter))
	if c.NodeID != "" {
		fail(checkNodeID(c.NodeID))
	}
	if !validLabel(c.NodeName) {
		warnings = append(warnings, fmt.Sprintf("node name %q will not be discoverable via DNS: a DNS label has 1-63 letters, digits and dashes", c.NodeName))
	}
	if c.DataDir == "" && !c.DevMode {
		failf("data_dir is required; set -data-dir or data_dir")
	}

	if c.BootstrapExpect < 0 {
		failf("bootstrap_expect cannot be negative (got %d)", c.BootstrapExpect)
	}
	if c.Bootstrap && c.BootstrapExpect > 0 {
		failf("bootstrap and bootstrap_expect cannot both be set: use bootstrap for a single server, bootstrap_expect for a cluster")
	}
	if !c.Server && c.Bootstrap {
		failf("bootstrap requires server mode; set -server or server = true")
	}
	if !c.Server && c.BootstrapExpect > 0 {
		failf("bootstrap_expect requires server mode; set -server or server = true")
	}
	if c.Server && c.BootstrapExpect == 2 {
		warnings = append(warnings, "bootstrap_expect = 2: a cluster of 2 servers tolerates no failure; use 3 or 5")
	} else if c.Server && c.BootstrapExpect > 2 && c.BootstrapExpect%2 == 0 {
		warnings = append(warnings, fmt.Sprintf("bootstrap_expect = %d: an even number of servers tolerates no more failures than one fewer", c.BootstrapExpect))
	}
	if c.Bootstrap && !c.DevMode {
		warnings = append(warnings, "bootstrap mode is on: do not enable it on more than one server")
	}

	fail(checkIP("bind_addr", c.BindAddr))
	if err := checkIP("advertise_addr", c.AdvertiseAddr); err != nil {
		fail(err)
	} else if net.ParseIP(c.AdvertiseAddr).IsUnspecified() {
		failf("advertise_addr cannot be %s: advertise an address other agents can reach", c.AdvertiseAddr)
	}
	errs = append(errs, checkListenAddrs("client_addr", c.ClientAddrs)...)
	errs = append(errs, checkListenAddrs("addresses.http", c.HTTPAddrs)...)
	errs = append(errs, checkListenAddrs("addresses.dns", c.DNSAddrs)...)
	errs = append(errs, checkListenAddrs("addresses.https", c.HTTPSAddrs)...)
	errs = append(errs, validatePorts(c)...)
	tw, te := validateTLS(c)
	warnings, errs = append(warnings, tw...), append(errs, te...)

	if err := checkIP("advertise_addr_wan", c.AdvertiseAddrWAN); err != nil {
		fail(err)
	} else if net.ParseIP(c.AdvertiseAddrWAN).IsUnspecified() {
		failf("advertise_addr_wan cannot be %s: advertise an address other datacenters can reach", c.AdvertiseAddrWAN)
	}
	if !c.Server && (len(c.StartJoinWAN) > 0 || len(c.RetryJoinWAN) > 0) {
		failf("start_join_wan and retry_join_wan (-join-wan, -retry-join-wan) need server mode: only servers join the WAN pool")
	}
	if c.Server && c.Ports.SerfWAN == -1 && (len(c.StartJoinWAN) > 0 || len(c.RetryJoinWAN) > 0) {
		failf("start_join_wan and retry_join_wan need the WAN pool, but ports.serf_wan is -1")
	}
	if c.RetryIntervalWAN <= 0 {
		failf("retry_interval_wan must be positive (got %s)", c.RetryIntervalWAN)
	}
	if c.RetryMaxAttemptsWAN < 0 {
		failf("retry_max_wan cannot be negative (got %d)", c.RetryMaxAttemptsWAN)
	}
	if c.RetryInterval <= 0 {
		failf("retry_interval must be positive (got %s)", c.RetryInterval)
	}
	if c.RetryMaxAttempts < 0 {
		failf("retry_max cannot be negative (got %d)", c.RetryMaxAttempts)
	}
	if _, err := checkLogLevel(c.LogLevel); err != nil {
		fail(err)
	}
	if c.Domain == "" {
		failf("domain cannot be empty")
	}
	for _, r := range c.Recursors {
		if net.ParseIP(r) == nil {
			if host, _, err := net.SplitHostPort(r); err != nil || net.ParseIP(host) == nil {
				failf("recursor %q is not an IP address or IP:port", r)
			}
		}
	}
	if c.AltDomain != "" && strings.EqualFold(c.AltDomain, c.Domain) {
		failf("alt_domain %q is the same as domain", c.AltDomain)
	}
	if c.DNS.UDPAnswerLimit < 0 {
		failf("dns_config.udp_answer_limit cannot be negative (got %d)", c.DNS.UDPAnswerLimit)
	}
	if c.DNS.RecursorTimeout <= 0 {
		failf("dns_config.recursor_timeout must be positive (got %s)", c.DNS.RecursorTimeout)
	}
	if c.DNS.MaxStale < 0 || c.DNS.NodeTTL < 0 {
		failf("dns_config.max_stale and node_ttl cannot be negative")
	}
	for k, d := range c.DNS.ServiceTTL {
		if d < 0 {
			failf("dns_config.service_ttl.%s cannot be negative (got %s)", k, d)
		}
	}
	if s := c.DNS.SOA; s.Refresh < 0 || s.Retry < 0 || s.Expire < 0 || s.MinTTL < 0 {
		failf("dns_config.soa fields cannot be negative")
	}
	if c.EncryptKey != "" {
		fail(checkEncryptKey(c.EncryptKey))
	}
	fail(checkRaftProtocol(c.RaftProtocol))
	if c.RaftMultiplier < 1 || c.RaftMultiplier > 10 {
		failf("performance.raft_multiplier must be between 1 and 10 (got %d)", c.RaftMultiplier)
	}
	switch c.ACL.DefaultPolicy {
	case "allow", "deny":
	default:
		failf("acl.default_policy must be allow or deny (got %q)", c.ACL.DefaultPolicy)
	}
	switch c.ACL.DownPolicy {
	case "allow", "deny", "extend-cache", "async-cache":
	default:
		failf("acl.down_policy must be allow, deny, extend-cache or async-cache (got %q)", c.ACL.DownPolicy)
	}
	if c.ACL.TokenTTL <= 0 {
		failf("acl.token_ttl must be positive (got %s)", c.ACL.TokenTTL)
	}
	if c.CheckUpdateInterval < 0 {
		failf("check_update_interval cannot be negative (got %s)", c.CheckUpdateInterval)
	}
	if c.RPCHoldTimeout <= 0 {
		failf("performance.rpc_hold_timeout must be positive (got %s)", c.RPCHoldTimeout)
	}
	if c.RaftSnapshotThreshold < 1 {
		failf("raft_snapshot_threshold must be positive (got %d)", c.RaftSnapshotThreshold)
	}
	if c.RaftSnapshotInterval <= 0 {
		failf("raft_snapshot_interval must be positive (got %s)", c.RaftSnapshotInterval)
	}
	if c.RaftTrailingLogs < 0 {
		failf("raft_trailing_logs cannot be negative (got %d)", c.RaftTrailingLogs)
	}
	if c.ReconnectTimeout < minReconnectTimeout {
		failf("reconnect_timeout must be at least %s (got %s)", minReconnectTimeout, c.ReconnectTimeout)
	}
	if c.SessionTTLMin < 0 || c.SessionTTLMin > maxSessionTTL {
		failf("session_ttl_min must be between 0s (the default, 10s) and %s (got %s)", maxSessionTTL, c.SessionTTLMin)
	}
	if c.HTTPMaxConnsPerClient < 0 {
		failf("limits.http_max_conns_per_client cannot be negative (got %d); 0 means no limit", c.HTTPMaxConnsPerClient)
	}
	if ap := c.Autopilot; ap.MaxTrailingLogs < 0 || ap.MinQuorum < 0 || ap.LastContactThreshold < 0 || ap.ServerStabilizationTime < 0 {
		failf("autopilot: max_trailing_logs, min_quorum, last_contact_threshold and server_stabilization_time must not be negative")
	}
	if !validMetricsPrefix(c.Telemetry.MetricsPrefix) {
		failf("telemetry.metrics_prefix %q must start with a letter and hold only letters, digits, '_', '.' or '-' (which become '_' in metric names)", c.Telemetry.MetricsPrefix)
	}
	errs = append(errs, validateMeta("node_meta", c.NodeMeta)...)
	errs = append(errs, validateWatches(c.Watches)...)
	errs = append(errs, validateTemplates(c.Templates)...)
	errs = append(errs, validateZone(c.DNS.ZoneTransfer, c.DNS.ZoneUpdate)...)

	w, e := validateDefinitions(c)
	warnings, errs = append(warnings, w...), append(errs, e...)
	return warnings, errors.Join(errs...)
}

func validatePorts(c *Config) []error {
	var errs []error
	ports := []struct {
		name string
		port int
	}{
		{"ports.http", c.Ports.HTTP},
		{"ports.https", c.Ports.HTTPS},
		{"ports.dns", c.Ports.DNS},
		{"ports.serf_lan", c.Ports.SerfLAN},
		{"ports.serf_wan", c.Ports.SerfWAN},
		{"ports.server", c.Ports.Server},
	}
	used := map[int]string{}
	for _, p := range ports {
		if err := checkPort(p.port); err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", p.name, err))
			continue
		}
		if p.port == -1 {
			continue
		}
		if first, dup := used[p.port]; dup {
			errs = append(errs, fmt.Errorf("%s (%d) is already used by %s; every enabled port must differ", p.name, p.port, first))
			continue
		}
		used[p.port] = p.name
	}
	if c.Ports.SerfLAN == -1 {
		errs = append(errs, errors.New("ports.serf_lan cannot be disabled: every agent gossips on the LAN"))
	}
	if c.Server && c.Ports.Server == -1 {
		errs = append(errs, errors.New("ports.server cannot be disabled on a server"))
	}
	return errs
}

// validMetricsPrefix: a prefix that becomes a valid Prometheus name once
// dots and dashes turn into underscores, as Consul's Prometheus sink does.
func validMetricsPrefix(p string) bool {
	if p == "" {
		return false
	}
	for i, r := range p {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		switch {
		case letter:
		case i == 0:
			return false
		case r >= '0' && r <= '9', r == '_', r == '.', r == '-':
		default:
			return false
		}
	}
	return true
}
