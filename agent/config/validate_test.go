package config

import (
	"strings"
	"testing"
)

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string   // a JSON file, loaded with -data-dir unless args say otherwise
		args    []string // extra flags
		want    string
	}{
		{"bootstrap with bootstrap_expect", `{"server": true, "bootstrap": true, "bootstrap_expect": 3}`, nil,
			"bootstrap and bootstrap_expect cannot both be set"},
		{"bootstrap_expect on a client", `{"bootstrap_expect": 3}`, nil,
			"bootstrap_expect requires server mode; set -server or server = true"},
		{"bootstrap on a client", `{"bootstrap": true}`, nil, "bootstrap requires server mode"},
		{"negative bootstrap_expect", `{"server": true, "bootstrap_expect": -1}`, nil,
			"bootstrap_expect cannot be negative (got -1)"},
		{"datacenter characters", `{"datacenter": "dc.1"}`, nil,
			`datacenter "dc.1" is invalid: use only letters, digits, '_' and '-'`},
		{"empty datacenter", `{"datacenter": ""}`, nil, "datacenter cannot be empty"},
		{"node id", `{"node_id": "not-a-uuid"}`, nil, `node_id "not-a-uuid" is not a UUID`},
		{"port zero", `{"ports": {"http": 0}}`, nil, "ports.http: 0 is not a port: use 1-65535, or -1 to disable"},
		{"port too big", `{"ports": {"serf_wan": 65536}}`, nil, "ports.serf_wan: 65536 is not a port"},
		{"duplicate ports", `{"ports": {"dns": 8500}}`, nil,
			"ports.dns (8500) is already used by ports.http; every enabled port must differ"},
		{"disabled ports may repeat", `{"ports": {"dns": -1, "http": -1, "server": 8301}}`, nil,
			"ports.server (8301) is already used by ports.serf_lan"},
		{"serf_lan disabled", `{"ports": {"serf_lan": -1}}`, nil, "ports.serf_lan cannot be disabled"},
		{"server port disabled on a server", `{"server": true, "ports": {"server": -1}}`, nil,
			"ports.server cannot be disabled on a server"},
		{"bind not an IP", `{"bind_addr": "{{ GetPrivateIP }}"}`, nil, `bind_addr "{{ GetPrivateIP }}" is not an IP address`},
		{"advertise not an IP", `{"advertise_addr": "node1.example"}`, nil, `advertise_addr "node1.example" is not an IP address`},
		{"advertise unspecified", `{"advertise_addr": "0.0.0.0"}`, nil, "advertise_addr cannot be 0.0.0.0"},
		{"client_addr not an IP", `{"client_addr": "localhost"}`, nil, `client_addr "localhost" is not an IP address`},
		{"empty client_addr", `{"client_addr": " "}`, nil, "client_addr cannot be empty"},
		{"addresses.http", `{"addresses": {"http": "eth0"}}`, nil, `addresses.http "eth0" is not an IP address`},
		{"log level", `{"log_level": "verbose"}`, nil, `log level "verbose" is not one of trace, debug, info, warn, error`},
		{"encrypt key", `{"encrypt": "not base64!"}`, nil, "encrypt key is not valid base64"},
		{"encrypt length", `{"encrypt": "c2hvcnQ="}`, nil, "encrypt key decodes to 5 bytes"},
		{"raft multiplier", `{"performance": {"raft_multiplier": 11}}`, nil,
			"performance.raft_multiplier must be between 1 and 10 (got 11)"},
		{"rpc hold timeout", `{"performance": {"rpc_hold_timeout": "0s"}}`, nil, "performance.rpc_hold_timeout must be positive"},
		{"raft multiplier zero", `{"performance": {"raft_multiplier": 0}}`, nil, "must be between 1 and 10 (got 0)"},
		{"raft protocol", `{"raft_protocol": 2}`, nil, "raft protocol 2 is not supported: only 3 is"},
		{"reconnect timeout", `{"reconnect_timeout": "1h"}`, nil, "reconnect_timeout must be at least 8h0m0s (got 1h0m0s)"},
		{"session ttl min", `{"session_ttl_min": "25h"}`, nil, "session_ttl_min must be between 0s (the default, 10s) and 24h0m0s (got 25h0m0s)"},
		{"retry interval", `{"retry_interval": "0s"}`, nil, "retry_interval must be positive"},
		{"retry max", `{"retry_max": -1}`, nil, "retry_max cannot be negative"},
		{"snapshot threshold", `{"raft_snapshot_threshold": 0}`, nil, "raft_snapshot_threshold must be positive"},
		{"recursor", `{"recursors": ["dns.google"]}`, nil, `recursor "dns.google" is not an IP address or IP:port`},
		{"domain", `{"domain": ""}`, nil, "domain cannot be empty"},
		{"http conns per client", `{"limits": {"http_max_conns_per_client": -1}}`, nil,
			"limits.http_max_conns_per_client cannot be negative (got -1)"},
		{"node meta key", `{"node_meta": {"bad key": "v"}}`, nil, `node_meta key "bad key" is invalid`},
		{"node meta reserved", `{"node_meta": {"consul-version": "v"}}`, nil, `node_meta key "consul-version" uses the reserved prefix`},
		{"no data dir", `{}`, []string{}, "data_dir is required; set -data-dir or data_dir"},
		{"every error reported", `{"datacenter": "a b", "log_level": "x"}`, nil, "\nlog level \"x\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"c.json": tt.content})
			args := []string{"-config-file", dir + "/c.json"}
			if tt.args == nil {
				args = append(args, "-data-dir", "/d")
			}
			args = append(args, tt.args...)
			msg := loadErr(t, args...)
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("error %q\ndoes not contain %q", msg, tt.want)
			}
		})
	}
}

func TestValidationWarnings(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"node name not a DNS label", `{"node_name": "my_node"}`,
			`node name "my_node" will not be discoverable via DNS`},
		{"even bootstrap_expect", `{"server": true, "bootstrap_expect": 4}`, "bootstrap_expect = 4: an even number"},
		{"bootstrap mode", `{"server": true, "bootstrap": true}`, "bootstrap mode is on"},
		{"bootstrap_expect 1", `{"server": true, "bootstrap_expect": 1}`, "bootstrap_expect = 1 is the same as bootstrap = true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, warnings, _, err := loadString(t, "c.json", tt.content)
			if err != nil {
				t.Fatal(err)
			}
			if !hasWarning(warnings, tt.want) {
				t.Fatalf("warnings %q do not contain %q", warnings, tt.want)
			}
		})
	}
	c, _, _, err := loadString(t, "c.json", `{"server": true, "bootstrap_expect": 1}`)
	if err != nil || !c.Bootstrap || c.BootstrapExpect != 0 {
		t.Fatalf("bootstrap_expect = 1 must become bootstrap: %+v, %v", c, err)
	}
}

func TestValidLabelAndUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"node-1": true, "N1": true, "a": true, "-a": false, "a-": false, "a_b": false, "": false,
		strings.Repeat("a", 63): true, strings.Repeat("a", 64): false, "héllo": false,
	} {
		if got := validLabel(s); got != want {
			t.Errorf("validLabel(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"8f2c5e2a-1c4b-4b6e-9d3a-2f1e0c7b6a59": true, "8F2C5E2A-1C4B-4B6E-9D3A-2F1E0C7B6A59": true,
		"8f2c5e2a1c4b-4b6e-9d3a-2f1e0c7b6a59-": false, "8f2c5e2a-1c4b-4b6e-9d3a-2f1e0c7b6a5g": false, "": false,
	} {
		if got := validUUID(s); got != want {
			t.Errorf("validUUID(%q) = %v, want %v", s, got, want)
		}
	}
}
