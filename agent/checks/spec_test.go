package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestKind(t *testing.T) {
	cases := []struct {
		spec Spec
		want string
	}{
		{Spec{}, ""},
		{Spec{HTTP: "http://x"}, KindHTTP},
		{Spec{TCP: "x:1"}, KindTCP},
		{Spec{UDP: "x:1"}, KindUDP},
		{Spec{GRPC: "x:1/svc"}, KindGRPC},
		{Spec{TTL: time.Second}, KindTTL},
		{Spec{Args: []string{"true"}}, KindScript},
		{Spec{AliasService: "web"}, KindAlias},
		{Spec{AliasNode: "n1"}, KindAlias},
		{Spec{DockerContainerID: "abc", Args: []string{"true"}}, KindDocker},
		{Spec{HTTP: "http://x", TCP: "x:1"}, KindHTTP},
	}
	for _, c := range cases {
		if got := c.spec.Kind(); got != c.want {
			t.Errorf("%+v: Kind() = %q, want %q", c.spec, got, c.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name string
		in   Spec
		want Spec
	}{
		{
			name: "http defaults",
			in:   Spec{Name: "web", HTTP: "http://x", Interval: 30 * time.Second},
			want: Spec{ID: "web", Name: "web", HTTP: "http://x", Method: "GET", Interval: 30 * time.Second, Timeout: 10 * time.Second, OutputMaxSize: 4096},
		},
		{
			name: "short interval raised, timeout capped at it",
			in:   Spec{ID: "t", TCP: "x:1", Interval: 100 * time.Millisecond},
			want: Spec{ID: "t", TCP: "x:1", Interval: time.Second, Timeout: time.Second, OutputMaxSize: 4096},
		},
		{
			name: "explicit values kept",
			in:   Spec{ID: "t", TCP: "x:1", Interval: 5 * time.Second, Timeout: 20 * time.Second, OutputMaxSize: 10},
			want: Spec{ID: "t", TCP: "x:1", Interval: 5 * time.Second, Timeout: 20 * time.Second, OutputMaxSize: 10},
		},
		{
			name: "negative interval left for Validate",
			in:   Spec{ID: "t", TCP: "x:1", Interval: -time.Second},
			want: Spec{ID: "t", TCP: "x:1", Interval: -time.Second, Timeout: 10 * time.Second, OutputMaxSize: 4096},
		},
		{
			name: "ttl gets no timeout",
			in:   Spec{ID: "t", TTL: time.Minute},
			want: Spec{ID: "t", TTL: time.Minute, OutputMaxSize: 4096},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.in
			got.Normalize()
			if got.ID != c.want.ID || got.Method != c.want.Method || got.Interval != c.want.Interval ||
				got.Timeout != c.want.Timeout || got.OutputMaxSize != c.want.OutputMaxSize {
				t.Errorf("Normalize() = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	sec := time.Second
	cases := []struct {
		name string
		spec Spec
		opts ValidateOptions
		want string // "" for valid, else a substring of the error
	}{
		{"http", Spec{ID: "c", HTTP: "http://x", Interval: sec}, ValidateOptions{}, ""},
		{"interval below minimum is fine", Spec{ID: "c", TCP: "x:1", Interval: time.Millisecond}, ValidateOptions{}, ""},
		{"no kind", Spec{ID: "c", Interval: sec}, ValidateOptions{}, "exactly one of HTTP, TCP, UDP, GRPC, TTL, ScriptArgs, AliasService or DockerContainerID"},
		{"two kinds", Spec{ID: "c", HTTP: "http://x", TCP: "x:1", Interval: sec}, ValidateOptions{}, "sets http and tcp"},
		{"no name", Spec{TCP: "x:1", Interval: sec}, ValidateOptions{}, "Name:"},
		{"http without interval", Spec{ID: "c", HTTP: "http://x"}, ValidateOptions{}, "Interval: http checks need an Interval"},
		{"udp without interval", Spec{ID: "c", UDP: "x:1"}, ValidateOptions{}, "Interval:"},
		{"grpc without interval", Spec{ID: "c", GRPC: "x:1"}, ValidateOptions{}, "Interval:"},
		{"negative interval", Spec{ID: "c", TCP: "x:1", Interval: -sec}, ValidateOptions{}, "Interval: -1s cannot be negative"},
		{"negative timeout", Spec{ID: "c", TCP: "x:1", Interval: sec, Timeout: -sec}, ValidateOptions{}, "Timeout:"},
		{"negative ttl", Spec{ID: "c", TTL: -sec}, ValidateOptions{}, "TTL:"},
		{"negative deregister", Spec{ID: "c", TTL: sec, DeregisterCriticalServiceAfter: -sec}, ValidateOptions{}, "DeregisterCriticalServiceAfter:"},
		{"negative threshold", Spec{ID: "c", TTL: sec, FailuresBeforeCritical: -1}, ValidateOptions{}, "FailuresBeforeCritical:"},
		{"negative output size", Spec{ID: "c", TTL: sec, OutputMaxSize: -1}, ValidateOptions{}, "OutputMaxSize:"},
		{"ttl", Spec{ID: "c", TTL: sec}, ValidateOptions{}, ""},
		{"ttl with interval", Spec{ID: "c", TTL: sec, Interval: sec}, ValidateOptions{}, "Interval: a TTL check takes no Interval"},
		{"status", Spec{ID: "c", TTL: sec, Status: "warning"}, ValidateOptions{}, ""},
		{"bad status", Spec{ID: "c", TTL: sec, Status: "maintenance"}, ValidateOptions{}, `Status: "maintenance"`},
		{"alias", Spec{ID: "c", AliasService: "web"}, ValidateOptions{}, ""},
		{"alias on node", Spec{ID: "c", AliasNode: "n1", AliasService: "web"}, ValidateOptions{}, ""},
		{"alias without service", Spec{ID: "c", AliasNode: "n1"}, ValidateOptions{}, "AliasService:"},
		{"docker", Spec{ID: "c", DockerContainerID: "abc", Args: []string{"true"}, Interval: sec}, ValidateOptions{}, "Docker checks are not supported by concord"},
		{"script disabled", Spec{ID: "c", Args: []string{"true"}, Interval: sec}, ValidateOptions{}, "enable_script_checks"},
		{"script from API with local only", Spec{ID: "c", Args: []string{"true"}, Interval: sec}, ValidateOptions{EnableLocalScriptChecks: true}, "remote code execution"},
		{"script from file with local", Spec{ID: "c", Args: []string{"true"}, Interval: sec}, ValidateOptions{EnableLocalScriptChecks: true, FromConfigFile: true}, ""},
		{"script from API enabled", Spec{ID: "c", Args: []string{"true"}, Interval: sec}, ValidateOptions{EnableScriptChecks: true}, ""},
		{"script without interval", Spec{ID: "c", Args: []string{"true"}}, ValidateOptions{EnableScriptChecks: true}, "Interval:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.spec
			err := c.spec.Validate(c.opts)
			if c.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, c.want)
			}
			if !catalog.IsBadRequest(err) {
				t.Errorf("Validate = %T, want a catalog.BadRequest", err)
			}
			if c.spec.Interval != before.Interval || c.spec.Timeout != before.Timeout {
				t.Errorf("Validate changed the spec")
			}
		})
	}
}

func TestScriptErrorNamesBothFlags(t *testing.T) {
	s := Spec{ID: "c", Args: []string{"true"}, Interval: time.Second}
	err := s.Validate(ValidateOptions{})
	for _, want := range []string{"ScriptArgs", "enable_script_checks", "enable_local_script_checks", "remote code execution"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to mention %q", err, want)
		}
	}
}

func TestNewRefusesInvalidSpecs(t *testing.T) {
	rec := newRecorder()
	if _, err := New(Spec{ID: "c", TCP: "x:1"}, Deps{Notifier: rec}); !catalog.IsBadRequest(err) {
		t.Errorf("New without interval = %v, want a BadRequest", err)
	}
	if _, err := New(Spec{ID: "c", TCP: "x:1", Interval: time.Second}, Deps{}); err == nil {
		t.Errorf("New without a Notifier succeeded")
	}
	if _, err := New(Spec{ID: "c", AliasService: "web"}, Deps{Notifier: rec}); err == nil {
		t.Errorf("New of an alias check without an AliasSource succeeded")
	}
	c, err := New(Spec{ID: "c", TTL: time.Second}, Deps{Notifier: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(TTLCheck); !ok {
		t.Errorf("New(TTL spec) = %T, want a TTLCheck", c)
	}
}
