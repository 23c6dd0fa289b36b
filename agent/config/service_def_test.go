package config

import (
	"strings"
	"testing"
	"time"
)

func TestDefinitionErrors(t *testing.T) {
	tests := []struct {
		name, content, want string // FILE in want stands for the file's path
	}{
		{"service without a name", `{"service": {"port": 80}}`,
			"FILE: a service needs a name (service 1 in the file has none)"},
		{"service port", `{"service": {"name": "web", "port": 70000}}`,
			`FILE: service "web": port 70000 is out of range 0-65535`},
		{"service weights", `{"service": {"name": "web", "weights": {"passing": 0}}}`,
			`FILE: service "web": weights.passing must be at least 1`},
		{"service meta", `{"service": {"name": "web", "meta": {"a b": "c"}}}`,
			`FILE: service "web": meta key "a b" is invalid`},
		{"duplicate service IDs", `{"services": [{"name": "web"}, {"name": "web"}]}`,
			`FILE: service ID "web" is already defined in FILE; IDs must be unique`},
		{"check without a name", `{"check": {"ttl": "10s"}}`,
			"FILE: a check needs a name or an id (check 1 in the file has neither)"},
		{"check without a kind", `{"check": {"name": "c", "interval": "10s"}}`,
			`FILE: check "c": a check needs exactly one of script/args, http, tcp, udp, grpc, ttl or alias_node/alias_service; it has none`},
		{"check with two kinds", `{"check": {"name": "c", "http": "http://x", "tcp": "x:1", "interval": "10s"}}`,
			`FILE: check "c": a check needs exactly one of script/args, http, tcp, udp, grpc, ttl or alias_node/alias_service; it has http and tcp`},
		{"http check without an interval", `{"check": {"name": "c", "http": "http://x"}}`,
			`FILE: check "c": http checks need an interval, such as "10s"`},
		{"script check without an interval", `{"service": {"name": "s", "check": {"args": ["/bin/true"]}}}`,
			`FILE: check "service:s": script/args checks need an interval`},
		{"tcp check without an interval", `{"check": {"name": "c", "tcp": "x:1"}}`, `tcp checks need an interval`},
		{"udp check without an interval", `{"check": {"name": "c", "udp": "x:1"}}`, `udp checks need an interval`},
		{"grpc check without an interval", `{"check": {"name": "c", "grpc": "x:1"}}`, `grpc checks need an interval`},
		{"negative ttl", `{"check": {"name": "c", "ttl": "-1s"}}`, `FILE: check "c": ttl cannot be negative`},
		{"negative timeout", `{"check": {"name": "c", "ttl": "1s", "timeout": "-1s"}}`, `timeout and deregister_critical_service_after cannot be negative`},
		{"bad status", `{"check": {"name": "c", "ttl": "1s", "status": "ok"}}`,
			`FILE: check "c": status "ok" is not one of passing, warning, critical`},
		{"duplicate check IDs", `{"checks": [{"id": "c", "ttl": "1s"}, {"id": "c", "ttl": "2s"}]}`,
			`FILE: check ID "c" is already defined in FILE`},
		{"bad header", `{"check": {"name": "c", "http": "http://x", "interval": "1s", "header": {"X": 1}}}`,
			`FILE: key "check.header.X": expected a list of strings, got the number 1`},
		{"check duration type", `{"check": {"name": "c", "ttl": true}}`,
			`FILE: key "check.ttl": expected a duration such as "10s" (or a number of nanoseconds), got the boolean true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, path, err := loadString(t, "c.json", tt.content)
			want := strings.ReplaceAll(tt.want, "FILE", path)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v\ndoes not contain %q", err, want)
			}
		})
	}
}

func TestDefinitionDefaults(t *testing.T) {
	c, warnings, path, err := loadString(t, "c.json", `{
		"service": {"name": "web", "id": "web-1", "checks": [{"ttl": "10s"}, {"name": "named", "id": "mine", "tcp": "x:1", "interval": "100ms"}]},
		"checks": [{"name": "only-name", "ttl": "1s"}, {"id": "only-id", "ttl": "1s"}]
	}`)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Services[0]
	if s.Weights != (Weights{Passing: 1, Warning: 1}) {
		t.Fatalf("weights = %+v", s.Weights)
	}
	a, b := s.Checks[0], s.Checks[1]
	if a.ID != "service:web-1:1" || a.Name != "Service 'web' check" || a.ServiceID != "web-1" {
		t.Fatalf("first service check = %+v", a)
	}
	if b.ID != "mine" || b.Name != "named" || b.ServiceID != "web-1" {
		t.Fatalf("second service check = %+v", b)
	}
	// Intervals below Consul's minimum are raised to it, with a warning.
	if b.Interval != time.Second || !hasWarning(warnings, path+`: check "mine": interval 100ms is below the minimum of 1s`) {
		t.Fatalf("interval = %s, warnings %q", b.Interval, warnings)
	}
	if c.Checks[0].ID != "only-name" || c.Checks[1].Name != "only-id" {
		t.Fatalf("checks = %+v", c.Checks)
	}
}

func TestScriptCheckWarning(t *testing.T) {
	content := `{"check": {"id": "disk", "name": "Disk", "args": ["/bin/df"], "interval": "10s"}}`
	_, warnings, path, err := loadString(t, "c.json", content)
	if err != nil {
		t.Fatal(err)
	}
	want := `check "disk" in ` + path + ` uses a script, but script checks are disabled; set enable_local_script_checks to run it`
	if len(warnings) != 1 || warnings[0] != want {
		t.Fatalf("warnings = %q, want %q", warnings, want)
	}
	for _, flag := range []string{"-enable-script-checks", "-enable-local-script-checks"} {
		_, warnings, _, err = loadString(t, "c.json", content, flag)
		if err != nil || len(warnings) != 0 {
			t.Fatalf("%s: warnings %q, err %v", flag, warnings, err)
		}
	}
}
