package config

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	want := &Config{
		Datacenter:            "dc1",
		NodeName:              c.NodeName, // the host's name
		BindAddr:              "0.0.0.0",
		AdvertiseAddr:         c.AdvertiseAddr, // the host's private address
		ClientAddrs:           []string{"127.0.0.1"},
		HTTPAddrs:             []string{"127.0.0.1"},
		DNSAddrs:              []string{"127.0.0.1"},
		HTTPSAddrs:            []string{"127.0.0.1"},
		Ports:                 Ports{HTTP: 8500, HTTPS: -1, DNS: 8600, SerfLAN: 8301, SerfWAN: 8302, Server: 8300},
		RetryInterval:         30 * time.Second,
		RetryIntervalWAN:      30 * time.Second,
		AdvertiseAddrWAN:      "127.0.0.1",
		LogLevel:              "info",
		Domain:                "consul.",
		LeaveOnTerm:           true,
		RaftProtocol:          3,
		RaftMultiplier:        1,
		RaftSnapshotThreshold: 16384,
		RaftSnapshotInterval:  30 * time.Second,
		RaftTrailingLogs:      10240,
		ReconnectTimeout:      72 * time.Hour,
		RPCHoldTimeout:        7 * time.Second,
		CheckUpdateInterval:   5 * time.Minute,
		AEInterval:            time.Minute,
		CheckReapInterval:     10 * time.Second,
		ACL:                   ACL{DefaultPolicy: "allow", DownPolicy: "extend-cache", TokenTTL: 30 * time.Second},
		DNS: DNSConfig{AllowStale: true, MaxStale: 10 * 365 * 24 * time.Hour, UDPAnswerLimit: 3,
			RecursorTimeout: 2 * time.Second, SOA: DNSSOA{Refresh: 3600, Retry: 600, Expire: 86400}},
		NodeMeta:              map[string]string{},
		HTTPMaxConnsPerClient: 200,
		Telemetry:             Telemetry{MetricsPrefix: "concord"},
		Autopilot: Autopilot{CleanupDeadServers: true, LastContactThreshold: 200 * time.Millisecond,
			MaxTrailingLogs: 250, ServerStabilizationTime: 10 * time.Second},
		EncryptVerifyIncoming: true,
		EncryptVerifyOutgoing: true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("DefaultConfig() =\n%+v\nwant\n%+v", c, want)
	}
	if c.NodeName == "" || c.AdvertiseAddr == "" {
		t.Fatalf("node name %q, advertise %q must be filled", c.NodeName, c.AdvertiseAddr)
	}
}

func TestLoadDefaultsMatchDefaultConfig(t *testing.T) {
	l := newLoader()
	c, _, err := l.load([]string{"-data-dir", "/d"})
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	def.DataDir = "/d"
	if !reflect.DeepEqual(c, def) {
		t.Fatalf("Load =\n%+v\nDefaultConfig =\n%+v", c, def)
	}
}

func TestAdvertiseDefault(t *testing.T) {
	tests := []struct {
		bind    string
		private string // "" = the host has none
		want    string
	}{
		{"0.0.0.0", "10.1.2.3", "10.1.2.3"},
		{"::", "192.168.0.9", "192.168.0.9"},
		{"0.0.0.0", "", "127.0.0.1"},
		{"10.5.5.5", "10.1.2.3", "10.5.5.5"},
	}
	for _, tt := range tests {
		l := testLoader()
		l.privateIPv4 = func() (string, bool) { return tt.private, tt.private != "" }
		c, _, err := l.load([]string{"-data-dir", "/d", "-bind", tt.bind})
		if err != nil {
			t.Fatal(err)
		}
		if c.AdvertiseAddr != tt.want {
			t.Errorf("bind %s, private %q: advertise %q, want %q", tt.bind, tt.private, c.AdvertiseAddr, tt.want)
		}
	}
}

func TestNodeNameFromHost(t *testing.T) {
	c, _ := mustLoad(t, "-data-dir", "/d")
	if c.NodeName != "host1" {
		t.Fatalf("node name = %q", c.NodeName)
	}
	l := testLoader()
	l.hostname = func() (string, error) { return "", errors.New("no uts") }
	if _, _, err := l.load([]string{"-data-dir", "/d"}); err == nil {
		t.Fatal("want an error without a host name")
	}
	if c, _, err := l.load([]string{"-data-dir", "/d", "-node", "n"}); err != nil || c.NodeName != "n" {
		t.Fatalf("-node: %v", err)
	}
}

func TestDevMode(t *testing.T) {
	c, warnings := mustLoad(t, "-dev")
	if !c.DevMode || !c.Server || !c.Bootstrap || c.DataDir != "" || c.BindAddr != "127.0.0.1" ||
		c.AdvertiseAddr != "127.0.0.1" || !reflect.DeepEqual(c.ClientAddrs, []string{"127.0.0.1"}) ||
		c.LogLevel != "debug" || !c.UI || !c.EnableDebug || c.LeaveOnTerm || !c.SkipLeaveOnInt {
		t.Fatalf("dev config = %+v", c)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings = %q", warnings)
	}

	// Settings given explicitly still apply; server settings that conflict
	// with a dev server are overridden with a warning, not refused.
	dir := writeFiles(t, map[string]string{"c.json": `{"server": false, "bootstrap_expect": 3, "log_level": "warn", "enable_debug": false}`})
	c, warnings = mustLoad(t, "-dev", "-config-file", dir+"/c.json", "-client", "0.0.0.0", "-ui=false")
	if !c.Server || !c.Bootstrap || c.BootstrapExpect != 0 || c.LogLevel != "warn" ||
		!reflect.DeepEqual(c.ClientAddrs, []string{"0.0.0.0"}) || c.UI || c.EnableDebug {
		t.Fatalf("dev config = %+v", c)
	}
	if !hasWarning(warnings, "server = false is ignored in -dev mode") ||
		!hasWarning(warnings, "bootstrap_expect = 3 is ignored in -dev mode") {
		t.Fatalf("warnings = %q", warnings)
	}
}

func TestDisableCoordinates(t *testing.T) {
	c, _ := mustLoad(t, "-dev")
	if c.DisableCoordinates {
		t.Fatal("coordinates are off by default")
	}
	dir := writeFiles(t, map[string]string{"c.json": `{"disable_coordinates": true}`})
	c, warnings := mustLoad(t, "-dev", "-config-file", dir+"/c.json")
	if !c.DisableCoordinates || hasWarning(warnings, "disable_coordinates") {
		t.Fatalf("disable_coordinates = true: %v, warnings %q", c.DisableCoordinates, warnings)
	}
}
