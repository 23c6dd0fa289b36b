package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// loadString loads content as a file named name, with a data dir given.
func loadString(t *testing.T, name, content string, args ...string) (*Config, []string, string, error) {
	t.Helper()
	dir := writeFiles(t, map[string]string{name: content})
	path := filepath.Join(dir, name)
	args = append([]string{"-data-dir", "/data", "-config-file", path}, args...)
	c, warnings, err := testLoader().load(args)
	return c, warnings, path, err
}

func TestFileValues(t *testing.T) {
	tests := []struct {
		name, file, content string
		check               func(c *Config) bool
	}{
		{"datacenter lowercased", "a.json", `{"datacenter": "EAST-1"}`,
			func(c *Config) bool { return c.Datacenter == "east-1" }},
		{"case-insensitive top-level key", "a.json", `{"Datacenter": "west", "Ports": {"HTTP": 1234}}`,
			func(c *Config) bool { return c.Datacenter == "west" && c.Ports.HTTP == 1234 }},
		{"client_addr list", "a.json", `{"client_addr": "127.0.0.1  10.0.0.1"}`,
			func(c *Config) bool {
				return reflect.DeepEqual(c.ClientAddrs, []string{"127.0.0.1", "10.0.0.1"}) &&
					reflect.DeepEqual(c.HTTPAddrs, c.ClientAddrs) && reflect.DeepEqual(c.DNSAddrs, c.ClientAddrs)
			}},
		{"addresses", "a.json", `{"addresses": {"http": "0.0.0.0 unix:///tmp/http.sock", "dns": "10.0.0.9"}}`,
			func(c *Config) bool {
				return reflect.DeepEqual(c.HTTPAddrs, []string{"0.0.0.0", "unix:///tmp/http.sock"}) &&
					reflect.DeepEqual(c.DNSAddrs, []string{"10.0.0.9"}) &&
					reflect.DeepEqual(c.ClientAddrs, []string{"127.0.0.1"})
			}},
		{"bind sets advertise", "a.json", `{"bind_addr": "10.9.9.9"}`,
			func(c *Config) bool { return c.AdvertiseAddr == "10.9.9.9" }},
		{"advertise", "a.json", `{"advertise_addr": "10.7.7.7"}`,
			func(c *Config) bool { return c.AdvertiseAddr == "10.7.7.7" && c.BindAddr == "0.0.0.0" }},
		{"durations", "a.json", `{"retry_interval": "5s", "reconnect_timeout": "8h", "raft_snapshot_interval": "1m", "retry_max": 4}`,
			func(c *Config) bool {
				return c.RetryInterval == 5*time.Second && c.ReconnectTimeout == 8*time.Hour &&
					c.RaftSnapshotInterval == time.Minute && c.RetryMaxAttempts == 4
			}},
		{"raft settings", "a.yaml", "raft_protocol: 3\nraft_snapshot_threshold: 100\nraft_trailing_logs: 5\nperformance:\n  raft_multiplier: 10\n  rpc_hold_timeout: 3s\n",
			func(c *Config) bool {
				return c.RaftProtocol == 3 && c.RaftSnapshotThreshold == 100 && c.RaftTrailingLogs == 5 && c.RaftMultiplier == 10 &&
					c.RPCHoldTimeout == 3*time.Second
			}},
		{"session_ttl_min", "a.json", `{"session_ttl_min": "5s"}`,
			func(c *Config) bool { return c.SessionTTLMin == 5*time.Second }},
		{"session_ttl_min yaml", "a.yaml", "session_ttl_min: 2s\n",
			func(c *Config) bool { return c.SessionTTLMin == 2*time.Second }},
		{"limits", "a.json", `{"limits": {"http_max_conns_per_client": 7}}`,
			func(c *Config) bool { return c.HTTPMaxConnsPerClient == 7 }},
		{"limits yaml, 0 is unlimited", "a.yaml", "limits:\n  http_max_conns_per_client: 0\n",
			func(c *Config) bool { return c.HTTPMaxConnsPerClient == 0 }},
		{"limits default", "a.json", `{}`,
			func(c *Config) bool { return c.HTTPMaxConnsPerClient == 200 }},
		{"gossip encryption verification defaults on", "a.json", `{}`,
			func(c *Config) bool { return c.EncryptVerifyIncoming && c.EncryptVerifyOutgoing }},
		{"gossip encryption rollout", "a.yaml", "encrypt_verify_incoming: false\nencrypt_verify_outgoing: false\n",
			func(c *Config) bool { return !c.EncryptVerifyIncoming && !c.EncryptVerifyOutgoing }},
		{"domain made fully qualified", "a.json", `{"domain": "example"}`,
			func(c *Config) bool { return c.Domain == "example." }},
		{"ui_config.enabled wins over ui", "a.json", `{"ui": true, "ui_config": {"enabled": false}}`,
			func(c *Config) bool { return !c.UI }},
		{"leave settings on a client", "a.json", `{"leave_on_terminate": false, "skip_leave_on_interrupt": true}`,
			func(c *Config) bool { return !c.LeaveOnTerm && c.SkipLeaveOnInt }},
		{"client leave defaults", "a.json", `{}`,
			func(c *Config) bool { return c.LeaveOnTerm && !c.SkipLeaveOnInt }},
		{"misc scalars", "a.json", `{"log_json": true, "enable_syslog": true, "disable_update_check": true, "server_name": "s.example", "node_id": "ADF4238A-882B-9DDC-4A9D-5B6758E4159E"}`,
			func(c *Config) bool {
				return c.LogJSON && c.EnableSyslog && c.DisableUpdateCheck && c.ServerName == "s.example" &&
					c.NodeID == "adf4238a-882b-9ddc-4a9d-5b6758e4159e"
			}},
		{"null leaves a default", "a.json", `{"datacenter": null}`,
			func(c *Config) bool { return c.Datacenter == "dc1" }},
		{"empty file", "a.json", "  \n",
			func(c *Config) bool { return c.Datacenter == "dc1" }},
		{"yaml scalar types", "a.yaml", "server: true\nbootstrap_expect: 0x3\ndatacenter: ~\nserver_name: 2001-12-14\nperformance: {raft_multiplier: 2.0}\n",
			func(c *Config) bool {
				return c.Server && c.BootstrapExpect == 3 && c.Datacenter == "dc1" && c.ServerName == "2001-12-14" &&
					c.RaftMultiplier == 2
			}},
		{"one string as a list", "a.json", `{"retry_join": "10.0.0.1", "recursors": ["1.1.1.1", "9.9.9.9:53"]}`,
			func(c *Config) bool {
				return reflect.DeepEqual(c.RetryJoin, []string{"10.0.0.1"}) && len(c.Recursors) == 2
			}},
		{"services list in YAML", "a.yml", `
services:
  - name: web
    port: 80
    meta: {version: "2"}
    enable_tag_override: true
    weights: {passing: 10}
  - Name: api
    ID: api-1
    Checks:
      - HTTP: http://localhost/health
        Interval: 5s
        Method: POST
        Header: {X-Test: ["a", "b"], Authorization: "Bearer x"}
        TLSSkipVerify: true
      - TCP: localhost:22
        Interval: 1000000000
        DeregisterCriticalServiceAfter: 90m
`, func(c *Config) bool {
			if len(c.Services) != 2 {
				return false
			}
			web, api := c.Services[0], c.Services[1]
			return web.ID == "web" && web.Port == 80 && web.Meta["version"] == "2" && web.EnableTagOverride &&
				web.Weights == (Weights{Passing: 10, Warning: 1}) &&
				api.ID == "api-1" && len(api.Checks) == 2 &&
				api.Checks[0].ID == "service:api-1:1" && api.Checks[0].ServiceID == "api-1" &&
				api.Checks[0].Name == "Service 'api' check" && api.Checks[0].Method == "POST" &&
				reflect.DeepEqual(api.Checks[0].Header["X-Test"], []string{"a", "b"}) &&
				reflect.DeepEqual(api.Checks[0].Header["Authorization"], []string{"Bearer x"}) &&
				api.Checks[0].TLSSkipVerify &&
				api.Checks[1].ID == "service:api-1:2" && api.Checks[1].Interval == time.Second &&
				api.Checks[1].DeregisterCriticalServiceAfter == 90*time.Minute
		}},
		{"check spellings", "a.json", `{"checks": [
			{"CheckID": "a", "Name": "alias", "AliasService": "web", "service_id": "x"},
			{"id": "b", "ScriptArgs": ["/bin/true"], "interval": "30s", "status": "passing"},
			{"name": "c", "grpc": "localhost:9090/health", "interval": "10s", "Notes": "n"},
			{"name": "d", "udp": "localhost:53", "interval": "10s", "alias_node": ""}
		], "enable_script_checks": true}`, func(c *Config) bool {
			if len(c.Checks) != 4 {
				return false
			}
			a, b, cc, d := c.Checks[0], c.Checks[1], c.Checks[2], c.Checks[3]
			return a.ID == "a" && a.AliasService == "web" && a.ServiceID == "x" &&
				b.ID == "b" && b.Name == "b" && reflect.DeepEqual(b.Args, []string{"/bin/true"}) && b.Status == "passing" &&
				cc.ID == "c" && cc.GRPC != "" && cc.Notes == "n" && d.UDP == "localhost:53"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, warnings, _, err := loadString(t, tt.file, tt.content)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if !tt.check(c) {
				t.Fatalf("unexpected config %+v (warnings %q)", c, warnings)
			}
		})
	}
}

func TestYAMLMergeKeys(t *testing.T) {
	c, _, _, err := loadString(t, "a.yaml", "ports: &p\n  <<: {http: 1111, dns: 3333}\n  dns: 2222\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Ports.HTTP != 1111 || c.Ports.DNS != 2222 {
		t.Fatalf("ports = %+v", c.Ports)
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string // substrings; FILE stands for the file's path
	}{
		{"unknown nested key", "a.json", `{"ports": {"htp": 1}}`,
			[]string{`FILE: unknown key "ports.htp"; allowed keys in "ports": dns, http, https, serf_lan, serf_wan, server (did you mean "http"?)`}},
		{"unknown top-level key", "a.json", `{"datacentre": "x"}`,
			[]string{`FILE: unknown key "datacentre"; allowed keys in the top level: acl, addresses, advertise_addr,`,
				`(did you mean "datacenter"?)`}},
		{"unknown key far from any", "a.json", `{"zzzzzzzz": 1}`,
			[]string{`unknown key "zzzzzzzz"`}},
		{"unknown service key", "a.json", `{"service": {"name": "x", "prot": 80}}`,
			[]string{`FILE: unknown key "service.prot"; allowed keys in "service":`, `(did you mean "port"?)`}},
		{"unknown check key in a service list", "a.json", `{"services": [{"name": "x", "checks": [{"ttl": "1s", "intervall": "1s"}]}]}`,
			[]string{`unknown key "services[0].checks[0].intervall"`, `(did you mean "interval"?)`}},
		{"yaml unknown key", "a.yaml", "base: &b\n  http: 1\n", []string{`FILE: unknown key "base"`}},
		{"wrong type int", "a.json", `{"ports": {"http": "8500"}}`,
			[]string{`FILE: key "ports.http": expected an integer, got the string "8500"`}},
		{"wrong type bool", "a.yaml", "server: yes\n",
			[]string{`FILE: key "server": expected a boolean (true or false), got the string "yes"`}},
		{"wrong type string", "a.json", `{"datacenter": 5}`,
			[]string{`FILE: key "datacenter": expected a string, got the number 5`}},
		{"wrong type list", "a.json", `{"retry_join": [1]}`,
			[]string{`FILE: key "retry_join[0]": expected a string, got the number 1`}},
		{"wrong type object", "a.json", `{"ports": 8500}`,
			[]string{`FILE: key "ports": expected an object, got the number 8500`}},
		{"wrong type map value", "a.json", `{"node_meta": {"a": 1}}`,
			[]string{`FILE: key "node_meta.a": expected a string, got the number 1`}},
		{"fractional int", "a.json", `{"bootstrap_expect": 1.5}`,
			[]string{`key "bootstrap_expect": expected an integer, got the number 1.5`}},
		{"top-level duration number", "a.json", `{"retry_interval": 30}`,
			[]string{`FILE: key "retry_interval": expected a duration string such as "10s"`}},
		{"bad duration", "a.json", `{"check": {"name": "x", "ttl": "ten seconds"}}`,
			[]string{`FILE: key "check.ttl": expected a duration such as "10s"`}},
		{"top level not an object", "a.json", `[1, 2]`,
			[]string{`FILE: the file must hold an object of config keys, not a list`}},
		{"duplicate spellings", "a.json", `{"service": {"name": "a", "Name": "b"}}`,
			[]string{`FILE: keys "service.Name" and "service.name" both set "service.name"; keep one`}},
		{"json syntax", "a.json", "{\n  \"datacenter\": \"x\",\n}",
			[]string{"FILE: invalid JSON at line 3, column 1"}},
		{"json trailing data", "a.json", `{} {}`, []string{"FILE: invalid JSON at line 1", "more data"}},
		{"json truncated", "a.json", `{"a": `, []string{"FILE: invalid JSON"}},
		{"yaml syntax", "a.yaml", "a: [\n", []string{"FILE: invalid YAML"}},
		{"yaml two documents", "a.yaml", "server: true\n---\nserver: false\n", []string{"FILE: invalid YAML", "one document"}},
		{"errors are all reported", "a.json", `{"ports": {"htp": 1}, "server": "yes"}`,
			[]string{`unknown key "ports.htp"`, `key "server": expected a boolean`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, path, err := loadString(t, tt.file, tt.content)
			if err == nil {
				t.Fatal("load succeeded, want an error")
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "FILE", path)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestUnsupportedKeysWarn(t *testing.T) {
	tests := []struct {
		content string
		key     string
	}{
		{`{"telemetry": {"statsite_address": "x"}}`, "telemetry.statsite_address"},
		{`{"dns_config": {"use_cache": true}}`, "dns_config.use_cache"},
		{`{"limits": {"rpc_rate": 5}}`, "limits.rpc_rate"},
		{`{"ports": {"grpc": 8502}}`, "ports.grpc"},
		{`{"ui_dir": "/ui"}`, "ui_dir"},
		{`{"disable_remote_exec": true}`, "disable_remote_exec"},
		{`{"service": {"name": "web", "connect": {"sidecar_service": {}}}}`, "service.connect"},
		{`{"check": {"name": "c", "ttl": "1s", "shell": "/bin/sh"}}`, "check.shell"},
	}
	for _, tt := range tests {
		_, warnings, path, err := loadString(t, "a.json", tt.content)
		if err != nil {
			t.Errorf("%s: %v", tt.content, err)
			continue
		}
		want := path + `: key "` + tt.key + `" is not supported yet and is ignored`
		if !reflect.DeepEqual(warnings, []string{want}) {
			t.Errorf("%s: warnings %q, want %q", tt.content, warnings, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"htp", "http", 1}, {"kitten", "sitting", 3}, {"abc", "", 3}, {"prot", "port", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestTelemetryBlock(t *testing.T) {
	c, warnings, _, err := loadString(t, "t.json", `{"telemetry": {
  "metrics_prefix": "consul",
  "prometheus_retention_time": "60s",
  "disable_hostname": true,
  "statsd_address": "127.0.0.1:8125"
}}`)
	if err != nil {
		t.Fatal(err)
	}
	want := Telemetry{MetricsPrefix: "consul", PrometheusRetentionTime: time.Minute, DisableHostname: true}
	if c.Telemetry != want {
		t.Errorf("telemetry = %+v, want %+v", c.Telemetry, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"telemetry.statsd_address" is not supported`) {
		t.Errorf("warnings = %q, want one for telemetry.statsd_address", warnings)
	}
	for _, bad := range []string{"", "9lives", "con sul", "a/b"} {
		_, _, _, err := loadString(t, "t.json", `{"telemetry": {"metrics_prefix": "`+bad+`"}}`)
		if err == nil || !strings.Contains(err.Error(), "metrics_prefix") {
			t.Errorf("prefix %q: err = %v, want a metrics_prefix error", bad, err)
		}
	}
}

func TestAutopilotBlock(t *testing.T) {
	c, warnings, _, err := loadString(t, "a.json", `{"autopilot": {
  "cleanup_dead_servers": false,
  "last_contact_threshold": "1s",
  "max_trailing_logs": 500,
  "min_quorum": 3,
  "server_stabilization_time": "30s",
  "redundancy_zone_tag": "zone"
}}`)
	if err != nil {
		t.Fatal(err)
	}
	want := Autopilot{LastContactThreshold: time.Second, MaxTrailingLogs: 500, MinQuorum: 3, ServerStabilizationTime: 30 * time.Second}
	if c.Autopilot != want {
		t.Errorf("autopilot = %+v, want %+v", c.Autopilot, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"autopilot.redundancy_zone_tag" is not supported`) {
		t.Errorf("warnings = %q, want one for autopilot.redundancy_zone_tag", warnings)
	}
	if _, _, _, err := loadString(t, "a.json", `{"autopilot": {"min_quorum": -1}}`); err == nil || !strings.Contains(err.Error(), "autopilot") {
		t.Errorf("negative min_quorum: %v", err)
	}
}
