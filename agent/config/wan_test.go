package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWANFlagsAndKeys(t *testing.T) {
	c, warnings := mustLoad(t, "-data-dir", "/d", "-server", "-advertise", "10.0.0.1", "-advertise-wan", "203.0.113.7",
		"-join-wan", "198.51.100.1", "-retry-join-wan", "198.51.100.2", "-retry-join-wan", "198.51.100.3:9302",
		"-retry-interval-wan", "2s", "-retry-max-wan", "4")
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	if c.AdvertiseAddr != "10.0.0.1" || c.AdvertiseAddrWAN != "203.0.113.7" ||
		!reflect.DeepEqual(c.StartJoinWAN, []string{"198.51.100.1"}) ||
		!reflect.DeepEqual(c.RetryJoinWAN, []string{"198.51.100.2", "198.51.100.3:9302"}) ||
		c.RetryIntervalWAN != 2*time.Second || c.RetryMaxAttemptsWAN != 4 {
		t.Errorf("flags: %+v", c)
	}

	// advertise_addr_wan defaults to advertise_addr.
	c, _ = mustLoad(t, "-data-dir", "/d", "-server", "-advertise", "10.0.0.1")
	if c.AdvertiseAddrWAN != "10.0.0.1" || c.RetryIntervalWAN != 30*time.Second {
		t.Errorf("defaults: advertise_addr_wan %q, retry_interval_wan %v", c.AdvertiseAddrWAN, c.RetryIntervalWAN)
	}

	dir := writeFiles(t, map[string]string{"wan.json": `{"server": true, "data_dir": "/d",
		"advertise_addr_wan": "203.0.113.8", "start_join_wan": ["a"], "retry_join_wan": ["b", "c"],
		"retry_interval_wan": "3s", "retry_max_wan": 2, "ports": {"serf_wan": 9302}}`})
	c, warnings = mustLoad(t, "-config-file", filepath.Join(dir, "wan.json"))
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	if c.AdvertiseAddrWAN != "203.0.113.8" || !reflect.DeepEqual(c.StartJoinWAN, []string{"a"}) ||
		!reflect.DeepEqual(c.RetryJoinWAN, []string{"b", "c"}) || c.RetryIntervalWAN != 3*time.Second ||
		c.RetryMaxAttemptsWAN != 2 || c.Ports.SerfWAN != 9302 {
		t.Errorf("file: %+v", c)
	}
}

func TestWANConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-join-wan", "10.0.0.9"}, "need server mode: only servers join the WAN pool"},
		{[]string{"-retry-join-wan", "10.0.0.9"}, "need server mode"},
		{[]string{"-server", "-serf-wan-port", "-1", "-retry-join-wan", "10.0.0.9"}, "ports.serf_wan is -1"},
		{[]string{"-advertise-wan", "wan.example"}, "for flag -advertise-wan: expected an IP address"},
		{[]string{"-server", "-advertise-wan", "0.0.0.0"}, "advertise_addr_wan cannot be 0.0.0.0"},
		{[]string{"-retry-max-wan", "-1"}, "for flag -retry-max-wan: must be 0 or more"},
	} {
		msg := loadErr(t, append([]string{"-data-dir", "/d"}, tt.args...)...)
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%q: error %q\ndoes not contain %q", tt.args, msg, tt.want)
		}
	}
}
