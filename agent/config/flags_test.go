package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFlagValues(t *testing.T) {
	tests := []struct {
		args  []string
		check func(c *Config) bool
	}{
		{[]string{"-server", "-bootstrap-expect", "3"},
			func(c *Config) bool { return c.Server && c.BootstrapExpect == 3 && !c.LeaveOnTerm && c.SkipLeaveOnInt }},
		{[]string{"--server=true", "--bootstrap"}, // Go flags take one or two dashes
			func(c *Config) bool { return c.Server && c.Bootstrap }},
		{[]string{"-server=false"}, func(c *Config) bool { return !c.Server }},
		{[]string{"-datacenter", "EU-West", "-node", "n1", "-node-id", "8f2c5e2a-1c4b-4b6e-9d3a-2f1e0c7b6a59"},
			func(c *Config) bool {
				return c.Datacenter == "eu-west" && c.NodeName == "n1" && c.NodeID == "8f2c5e2a-1c4b-4b6e-9d3a-2f1e0c7b6a59"
			}},
		{[]string{"-bind", "10.0.0.1", "-advertise", "192.168.1.1", "-client", "127.0.0.1 10.0.0.1"},
			func(c *Config) bool {
				return c.BindAddr == "10.0.0.1" && c.AdvertiseAddr == "192.168.1.1" &&
					reflect.DeepEqual(c.ClientAddrs, []string{"127.0.0.1", "10.0.0.1"})
			}},
		{[]string{"-join", "a", "-join", "b", "-retry-join", "c", "-retry-interval", "5s", "-retry-max", "3"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.StartJoin, []string{"a", "b"}) && reflect.DeepEqual(c.RetryJoin, []string{"c"}) &&
					c.RetryInterval == 5*time.Second && c.RetryMaxAttempts == 3
			}},
		{[]string{"-http-port", "1", "-https-port", "2", "-dns-port", "-1", "-serf-lan-port", "4", "-serf-wan-port", "5", "-server-port", "6"},
			func(c *Config) bool {
				return c.Ports == Ports{HTTP: 1, HTTPS: 2, DNS: -1, SerfLAN: 4, SerfWAN: 5, Server: 6}
			}},
		{[]string{"-ui", "-log-level", "WARN", "-log-json", "-syslog", "-domain", "corp", "-recursor", "1.1.1.1", "-recursor", "8.8.8.8"},
			func(c *Config) bool {
				return c.UI && c.LogLevel == "warn" && c.LogJSON && c.EnableSyslog && c.Domain == "corp." &&
					reflect.DeepEqual(c.Recursors, []string{"1.1.1.1", "8.8.8.8"})
			}},
		{[]string{"-encrypt", "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=", "-enable-script-checks", "-enable-local-script-checks"},
			func(c *Config) bool { return c.EncryptKey != "" && c.EnableScriptChecks && c.EnableLocalScriptChecks }},
		{[]string{"-node-meta", "rack:r1", "-node-meta", "empty", "-node-meta", "url:http://x"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.NodeMeta, map[string]string{"rack": "r1", "empty": "", "url": "http://x"})
			}},
		{[]string{"-raft-protocol", "3"}, func(c *Config) bool { return c.RaftProtocol == 3 }},
	}
	for _, tt := range tests {
		args := append([]string{"-data-dir", "/d"}, tt.args...)
		c, _, err := testLoader().load(args)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !tt.check(c) {
			t.Errorf("%q: unexpected config %+v", tt.args, c)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-htp-port", "1"}, `unknown flag -htp-port (did you mean -http-port?); run "concord agent -h" to list the flags`},
		{[]string{"-frobnicate"}, `unknown flag -frobnicate; run "concord agent -h"`},
		{[]string{"-http-port", "x"}, `invalid value "x" for flag -http-port: expected an integer`},
		{[]string{"-http-port", "0"}, `invalid value "0" for flag -http-port: 0 is not a port: use 1-65535, or -1 to disable`},
		{[]string{"-dns-port", "70000"}, `for flag -dns-port: 70000 is not a port`},
		{[]string{"-server=maybe"}, `invalid boolean value "maybe" for -server: expected true or false`},
		{[]string{"-bootstrap-expect", "-1"}, `for flag -bootstrap-expect: must be 0 or more`},
		{[]string{"-retry-max", "-2"}, `for flag -retry-max: must be 0 or more`},
		{[]string{"-retry-interval", "soon"}, `for flag -retry-interval: expected a positive duration`},
		{[]string{"-log-level", "loud"}, `for flag -log-level: log level "loud" is not one of trace, debug, info, warn, error`},
		{[]string{"-datacenter", "dc 1"}, `for flag -datacenter: datacenter "dc 1" is invalid`},
		{[]string{"-node-id", "abc"}, `for flag -node-id: node_id "abc" is not a UUID`},
		{[]string{"-bind", "eth0"}, `invalid value "eth0" for flag -bind: expected an IP address`},
		{[]string{"-advertise", "host.example"}, `for flag -advertise: expected an IP address`},
		{[]string{"-client", "127.0.0.1 localhost"}, `for flag -client: client address "localhost" is not an IP address`},
		{[]string{"-encrypt", "short"}, `for flag -encrypt: encrypt key`},
		{[]string{"-encrypt", "c2hvcnQ="}, `encrypt key decodes to 5 bytes; it must be 16, 24 or 32 bytes`},
		{[]string{"-raft-protocol", "2"}, `for flag -raft-protocol: raft protocol 2 is not supported: only 3 is`},
		{[]string{"-node-meta", ":v"}, `for flag -node-meta: expected key:value`},
		{[]string{"-config-format", "hcl"}, `HCL is not supported`},
		{[]string{"-hcl", "x = 1"}, `for flag -hcl: HCL is not supported`},
		{[]string{"-http-port"}, `flag needs an argument: -http-port`},
		{[]string{"-server", "extra"}, `unexpected argument "extra": the agent takes only flags`},
	}
	for _, tt := range tests {
		msg := loadErr(t, tt.args...)
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%q: error %q\ndoes not contain %q", tt.args, msg, tt.want)
		}
	}
}

func TestConsulOnlyFlagsWarn(t *testing.T) {
	c, warnings := mustLoad(t, "-data-dir", "/d", "-grpc-port", "8502", "-rejoin", "-server", "-pid-file", "/run/c.pid")
	if !c.Server {
		t.Fatal("-rejoin must not swallow the next flag")
	}
	want := []string{
		"flag -grpc-port is not supported yet and is ignored",
		"flag -rejoin is not supported yet and is ignored",
		"flag -pid-file is not supported yet and is ignored",
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Fatalf("warnings = %q, want %q", warnings, want)
	}
}

func TestConfigPathsKeepOrder(t *testing.T) {
	r, err := parseFlags([]string{"-config-dir", "d1", "-config-file", "f1", "-config-dir", "d2"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"d1", "f1", "d2"}; !reflect.DeepEqual(r.paths, want) {
		t.Fatalf("paths = %q, want %q", r.paths, want)
	}
}
