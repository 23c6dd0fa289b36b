package lan

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.BindAddr != "0.0.0.0" || c.BindPort != 8301 || c.ReconnectTimeout != 72*time.Hour ||
		c.TombstoneTimeout != 24*time.Hour || c.Memberlist == nil || c.Memberlist.ProbeInterval != time.Second {
		t.Fatalf("DefaultConfig() = %+v", c)
	}
}

func TestNew_Validation(t *testing.T) {
	cl := newCluster(t, "v")
	base := func() *Config { return cl.config("v", nil) }
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no name", func(c *Config) { c.NodeName = "" }, "NodeName"},
		{"bad bind", func(c *Config) { c.BindAddr = "localhost" }, "BindAddr"},
		{"bad advertise", func(c *Config) { c.AdvertiseAddr = "x" }, "AdvertiseAddr"},
		{"bad port", func(c *Config) { c.BindPort = 70000 }, "BindPort"},
		{"bad key", func(c *Config) { c.SecretKey = []byte("short") }, "SecretKey"},
		{"big tags", func(c *Config) { c.Tags = map[string]string{"k": strings.Repeat("v", 510)} }, "512"},
	} {
		cfg := base()
		tc.mod(cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	// Defaults filled in, caller's config untouched.
	cfg := base()
	cfg.ReconnectTimeout, cfg.TombstoneTimeout = 0, 0
	mc := cfg.Memberlist
	p := cl.startWith(cfg)
	if p.config.ReconnectTimeout != 72*time.Hour || p.config.TombstoneTimeout != 24*time.Hour {
		t.Fatalf("timeouts not defaulted: %+v", p.config)
	}
	if mc.Name == "v" || mc.Delegate != nil {
		t.Fatal("New modified the caller's memberlist config")
	}
}

func TestNormalizeJoinAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1":       "10.0.0.1:8301",
		"10.0.0.1:9000":  "10.0.0.1:9000",
		"::1":            "[::1]:8301",
		"[::1]":          "[::1]:8301",
		"[fe80::1]:8302": "[fe80::1]:8302",
		" host.example ": "host.example:8301",
	} {
		if got, err := normalizeJoinAddr(in, DefaultPort); err != nil || got != want {
			t.Errorf("normalizeJoinAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.1:x", "10.0.0.1:0"} {
		if _, err := normalizeJoinAddr(bad, DefaultPort); err == nil {
			t.Errorf("normalizeJoinAddr(%q) succeeded", bad)
		}
	}
}

func TestJoinErrors(t *testing.T) {
	cl := newCluster(t, "a")
	a := cl.start("a", nil)
	if _, err := a.Join(nil); err == nil {
		t.Error("Join(nil) succeeded")
	}
	if n, err := a.Join([]string{"127.0.0.1:9"}); err == nil || n != 0 {
		t.Errorf("join to nowhere: n=%d err=%v", n, err)
	}
	_ = a.Shutdown()
	if _, err := a.Join([]string{"127.0.0.1"}); err != ErrShutdown {
		t.Errorf("Join after Shutdown: %v", err)
	}
	if err := a.Leave(time.Second); err != ErrShutdown {
		t.Errorf("Leave after Shutdown: %v", err)
	}
}

func TestReapInterval(t *testing.T) {
	for _, tc := range []struct{ r, t, want time.Duration }{
		{72 * time.Hour, 24 * time.Hour, 15 * time.Second},
		{time.Second, 500 * time.Millisecond, 100 * time.Millisecond},
		{time.Millisecond, time.Hour, 10 * time.Millisecond},
	} {
		if got := reapInterval(tc.r, tc.t); got != tc.want {
			t.Errorf("reapInterval(%v, %v) = %v, want %v", tc.r, tc.t, got, tc.want)
		}
	}
}
