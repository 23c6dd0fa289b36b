package config

import (
	"strings"
	"testing"
	"time"
)

func TestTemplatesLoad(t *testing.T) {
	c, _, _, err := loadString(t, "t.json", `{"template": [
  {"source": "/etc/concord/haproxy.cfg.tmpl", "destination": "/etc/haproxy/haproxy.cfg",
   "command": "systemctl reload haproxy", "command_timeout": "10s", "perms": "0640",
   "wait": {"min": "2s", "max": "10s"}},
  {"source": "a.tmpl", "destination": "a.out", "wait": "5s"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Templates) != 2 {
		t.Fatalf("templates = %+v", c.Templates)
	}
	want := TemplateDefinition{Source: "/etc/concord/haproxy.cfg.tmpl", Destination: "/etc/haproxy/haproxy.cfg",
		Command: "systemctl reload haproxy", CommandTimeout: 10 * time.Second, Perms: 0o640,
		WaitMin: 2 * time.Second, WaitMax: 10 * time.Second}
	if c.Templates[0] != want {
		t.Errorf("template[0] = %+v\nwant %+v", c.Templates[0], want)
	}
	if got := c.Templates[1]; got.WaitMin != 5*time.Second || got.WaitMax != 20*time.Second {
		t.Errorf("wait \"5s\" = %v:%v, want 5s:20s", got.WaitMin, got.WaitMax)
	}
}

func TestTemplatesRejected(t *testing.T) {
	for _, tc := range []struct{ tmpl, want string }{
		{`{"source": "a"}`, "source and destination are required"},
		{`{"source": "a", "destination": "b", "wait": "5s:1s"}`, "wait needs 0 <= min <= max"},
		{`{"source": "a", "destination": "b", "wait": "soon"}`, `"min:max" durations`},
		{`{"source": "a", "destination": "b", "perms": "rw"}`, "octal file mode"},
		{`{"source": "a", "destination": "b", "colour": "red"}`, "unknown key"},
	} {
		_, _, _, err := loadString(t, "t.json", `{"template": [`+tc.tmpl+`]}`)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.tmpl, err, tc.want)
		}
	}
}
