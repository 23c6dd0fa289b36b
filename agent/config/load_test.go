package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testLoader reads a fixed host: name "host1", private address 10.1.2.3.
func testLoader() *loader {
	return &loader{
		hostname:    func() (string, error) { return "host1", nil },
		privateIPv4: func() (string, bool) { return "10.1.2.3", true },
	}
}

// writeFiles writes name -> content into a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustLoad(t *testing.T, args ...string) (*Config, []string) {
	t.Helper()
	c, warnings, err := testLoader().load(args)
	if err != nil {
		t.Fatalf("Load(%q): %v", args, err)
	}
	return c, warnings
}

func loadErr(t *testing.T, args ...string) string {
	t.Helper()
	c, _, err := testLoader().load(args)
	if err == nil {
		t.Fatalf("Load(%q) = %+v, want an error", args, c)
	}
	return err.Error()
}

func hasWarning(warnings []string, sub string) bool {
	for _, w := range warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func TestSeedServiceConfigs(t *testing.T) {
	c, warnings := mustLoad(t, "-data-dir", t.TempDir(), "-config-file", "testdata/seeds/mariadb.json")
	want := ServiceDefinition{
		ID: "MariaDB", Name: "MariaDB", Port: 3306, Tags: []string{"mariadb", "mycluster"},
		Weights: Weights{Passing: 1, Warning: 1},
		Checks: []CheckDefinition{{
			ID: "service:MariaDB", Name: "Service 'MariaDB' check", ServiceID: "MariaDB",
			Script: "netstat -anltp | grep 3306", Interval: 10 * time.Second,
			source: "testdata/seeds/mariadb.json",
		}},
		source: "testdata/seeds/mariadb.json",
	}
	if len(c.Services) != 1 || !reflect.DeepEqual(c.Services[0], want) {
		t.Fatalf("services = %+v\nwant %+v", c.Services, want)
	}
	wantWarning := `check "service:MariaDB" in testdata/seeds/mariadb.json uses a script, but script checks are disabled; set enable_local_script_checks to run it`
	if !reflect.DeepEqual(warnings, []string{wantWarning}) {
		t.Fatalf("warnings = %q, want %q", warnings, wantWarning)
	}

	c, warnings = mustLoad(t, "-data-dir", "/d", "-config-file", "testdata/seeds/redis.json")
	s := c.Services[0]
	if s.Name != "redis" || s.ID != "redis" || s.Address != "127.0.0.1" || s.Port != 8000 ||
		!reflect.DeepEqual(s.Tags, []string{"master"}) || len(s.Checks) != 1 {
		t.Fatalf("redis service = %+v", s)
	}
	if ck := s.Checks[0]; ck.Script != "/usr/local/bin/check_redis.py" || ck.Interval != 10*time.Second || ck.ID != "service:redis" {
		t.Fatalf("redis check = %+v", ck)
	}
	if !hasWarning(warnings, "uses a script") {
		t.Fatalf("warnings = %q, want the script warning", warnings)
	}

	// With script checks enabled there is nothing to warn about.
	_, warnings = mustLoad(t, "-data-dir", "/d", "-enable-local-script-checks", "-config-file", "testdata/seeds/redis.json")
	if len(warnings) != 0 {
		t.Fatalf("warnings = %q, want none", warnings)
	}
}

func TestSeedCheckConfigs(t *testing.T) {
	c, warnings := mustLoad(t, "-data-dir", "/d", "-config-file", "testdata/seeds/api-check.json",
		"-config-file", "testdata/seeds/web-app-ttl.json")
	if len(warnings) != 0 {
		t.Fatalf("warnings = %q", warnings)
	}
	want := []CheckDefinition{
		{ID: "api", Name: "HTTP API on port 5000", HTTP: "http://localhost:5000/health",
			Interval: 10 * time.Second, Timeout: time.Second, source: "testdata/seeds/api-check.json"},
		{ID: "web-app", Name: "Web App Status", Notes: "Web app does a curl internally every 10 seconds",
			TTL: 30 * time.Second, source: "testdata/seeds/web-app-ttl.json"},
	}
	if !reflect.DeepEqual(c.Checks, want) {
		t.Fatalf("checks = %+v\nwant %+v", c.Checks, want)
	}
}

func TestSeedDirectory(t *testing.T) {
	c, _ := mustLoad(t, "-data-dir", "/d", "-config-dir", "testdata/seeds")
	var services, checks []string
	for _, s := range c.Services {
		services = append(services, s.Name)
	}
	for _, ck := range c.Checks {
		checks = append(checks, ck.ID)
	}
	// Lexical file order: api-check, mariadb, redis, web-app-ttl.
	if !reflect.DeepEqual(services, []string{"MariaDB", "redis"}) || !reflect.DeepEqual(checks, []string{"api", "web-app"}) {
		t.Fatalf("services %q checks %q", services, checks)
	}
}

func TestTypicalServerConfig(t *testing.T) {
	for _, file := range []string{"testdata/server/server.json", "testdata/server/server.yaml"} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			c, warnings := mustLoad(t, "-config-file", file)
			if c.Datacenter != "dc1" || c.DataDir != "/opt/consul" || c.LogLevel != "info" ||
				c.NodeName != "server1" || !c.Server || c.BootstrapExpect != 2 || c.Bootstrap ||
				!c.UI || !c.EnableScriptChecks {
				t.Fatalf("config = %+v", c)
			}
			wantPorts := Ports{HTTP: 9500, HTTPS: -1, DNS: 9600, SerfLAN: 9301, SerfWAN: 9302, Server: 9300}
			if c.Ports != wantPorts {
				t.Fatalf("ports = %+v, want %+v", c.Ports, wantPorts)
			}
			if !reflect.DeepEqual(c.StartJoin, []string{"127.0.0.1:8301"}) {
				t.Fatalf("start_join = %q", c.StartJoin)
			}
			if c.LeaveOnTerm || !c.SkipLeaveOnInt {
				t.Fatalf("server leave defaults: LeaveOnTerm=%v SkipLeaveOnInt=%v", c.LeaveOnTerm, c.SkipLeaveOnInt)
			}
			if c.AdvertiseAddr != "10.1.2.3" {
				t.Fatalf("advertise = %q, want the private address", c.AdvertiseAddr)
			}
			if !hasWarning(warnings, "bootstrap_expect = 2") {
				t.Fatalf("warnings = %q, want the bootstrap_expect = 2 warning", warnings)
			}
		})
	}
	j, _ := mustLoad(t, "-config-file", "testdata/server/server.json")
	y, _ := mustLoad(t, "-config-file", "testdata/server/server.yaml")
	if !reflect.DeepEqual(j, y) {
		t.Fatalf("JSON and YAML differ:\n%+v\n%+v", j, y)
	}
}

func TestConsulConfigWithUnsupportedKeys(t *testing.T) {
	file := "testdata/formats/consul-full.json"
	c, warnings := mustLoad(t, "-config-file", file)
	if c.RaftMultiplier != 5 || !c.UI || c.BootstrapExpect != 3 || !reflect.DeepEqual(c.HTTPAddrs, []string{"0.0.0.0"}) {
		t.Fatalf("config = %+v", c)
	}
	if !c.ACL.Enabled || c.ACL.DefaultPolicy != "deny" {
		t.Errorf("acl block not read: %+v", c.ACL)
	}
	for _, key := range []string{"addresses.grpc", "connect",
		"performance.leave_drain_time", "ports.grpc", "telemetry.statsite_address", "ui_config.dir"} {
		want := file + `: key "` + key + `" is not supported yet and is ignored`
		if !hasWarning(warnings, want) {
			t.Errorf("no warning %q in %q", want, warnings)
		}
	}
	// Consul's older top-level TLS keys are applied, with a deprecation
	// warning each.
	want := TLSScope{CAFile: "/etc/consul/ca.pem", CertFile: "/etc/consul/cert.pem", KeyFile: "/etc/consul/key.pem",
		VerifyIncoming: true, VerifyOutgoing: true}
	if c.TLS.InternalRPC != want || c.TLS.HTTPS != want {
		t.Errorf("tls = %+v, want both scopes %+v", c.TLS, want)
	}
	if !hasWarning(warnings, `the "verify_incoming" key is deprecated; use "tls.defaults.verify_incoming" instead`) {
		t.Errorf("no deprecation warning in %q", warnings)
	}
}

func TestDirectoryOrderAndMerge(t *testing.T) {
	c, _ := mustLoad(t, "-config-dir", "testdata/dir", "-retry-join", "10.0.0.3", "-node-meta", "zone:c")
	if c.Datacenter != "east" || c.DataDir != "/var/lib/concord" {
		t.Fatalf("config = %+v (sub/ must be skipped)", c)
	}
	if c.LogLevel != "debug" {
		t.Fatalf("log level = %q: the later file must win", c.LogLevel)
	}
	if want := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}; !reflect.DeepEqual(c.RetryJoin, want) {
		t.Fatalf("retry_join = %q, want %q", c.RetryJoin, want)
	}
	if want := map[string]string{"rack": "r1", "zone": "c"}; !reflect.DeepEqual(c.NodeMeta, want) {
		t.Fatalf("node_meta = %v, want %v", c.NodeMeta, want)
	}
	if !reflect.DeepEqual(c.Recursors, []string{"8.8.8.8"}) {
		t.Fatalf("recursors = %q", c.Recursors)
	}
}

func TestFilesInCommandLineOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.json":   `{"data_dir": "/a", "log_level": "warn", "start_join": ["a"]}`,
		"d/b.json": `{"log_level": "error", "start_join": ["b"]}`,
		"c.yml":    "log_level: trace\nstart_join: [c]\n",
	})
	c, _ := mustLoad(t, "-config-file", filepath.Join(dir, "c.yml"), "-config-dir", filepath.Join(dir, "d"),
		"-config-file", filepath.Join(dir, "a.json"))
	if c.LogLevel != "warn" || !reflect.DeepEqual(c.StartJoin, []string{"c", "b", "a"}) {
		t.Fatalf("log level %q start_join %q", c.LogLevel, c.StartJoin)
	}
	c, _ = mustLoad(t, "-config-file", filepath.Join(dir, "a.json"), "-log-level", "TRACE", "-join", "flag")
	if c.LogLevel != "trace" || !reflect.DeepEqual(c.StartJoin, []string{"a", "flag"}) {
		t.Fatalf("flags must win: log level %q start_join %q", c.LogLevel, c.StartJoin)
	}
}

func TestFileFormats(t *testing.T) {
	c, _ := mustLoad(t, "-config-file", "testdata/formats/agent.conf")
	if c.Datacenter != "conf-dc" {
		t.Fatalf(".conf read as JSON: datacenter = %q", c.Datacenter)
	}
	c, _ = mustLoad(t, "-config-format", "yaml", "-config-file", "testdata/formats/agent-yaml.conf")
	if c.Datacenter != "conf-yaml" {
		t.Fatalf("-config-format yaml: datacenter = %q", c.Datacenter)
	}
	// The extension wins over -config-format.
	c, _ = mustLoad(t, "-config-format", "yaml", "-config-file", "testdata/server/server.json")
	if c.NodeName != "server1" {
		t.Fatalf("node = %q", c.NodeName)
	}

	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-config-file", "testdata/formats/agent-yaml.conf"},
			[]string{"testdata/formats/agent-yaml.conf", "not valid JSON", "-config-format"}},
		{[]string{"-config-file", "testdata/formats/agent.hcl"},
			[]string{"testdata/formats/agent.hcl", "HCL is not supported", "JSON or YAML"}},
		{[]string{"-config-dir", "testdata/formats"}, []string{"agent.hcl", "HCL is not supported"}},
		{[]string{"-config-format", "hcl"}, []string{"-config-format", "HCL is not supported"}},
		{[]string{"-config-format", "toml"}, []string{"-config-format", "json or yaml"}},
		{[]string{"-config-file", "testdata/missing.json"}, []string{"testdata/missing.json", "no such file"}},
	}
	for _, tt := range tests {
		msg := loadErr(t, tt.args...)
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("Load(%q) error %q does not mention %q", tt.args, msg, w)
			}
		}
	}
}

func TestLoadFiles(t *testing.T) {
	c, _, err := LoadFiles([]string{"testdata/server/server.json", "testdata/seeds"})
	if err != nil {
		t.Fatal(err)
	}
	if c.NodeName != "server1" || len(c.Services) != 2 || len(c.Checks) != 2 {
		t.Fatalf("config = %+v", c)
	}
	if _, _, err := LoadFiles([]string{"testdata/seeds"}); err == nil || !strings.Contains(err.Error(), "data_dir is required") {
		t.Fatalf("err = %v, want data_dir is required", err)
	}
	if _, _, err := LoadFiles(nil); err == nil {
		t.Fatal("LoadFiles(nil) must fail")
	}
}

func TestLoadPublicAPI(t *testing.T) {
	c, _, err := Load([]string{"-dev"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.DevMode || !c.Server || !c.Bootstrap || c.NodeName == "" {
		t.Fatalf("dev config = %+v", c)
	}
	if _, _, err := Load([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: err = %v, want flag.ErrHelp", err)
	}
	if u := Usage(); !strings.Contains(u, "-retry-join") || !strings.Contains(u, "-config-dir") {
		t.Fatalf("usage = %s", u)
	}
}
