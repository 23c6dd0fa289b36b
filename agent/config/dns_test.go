package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDNSConfigDefaults(t *testing.T) {
	c := DefaultConfig()
	want := DNSConfig{AllowStale: true, MaxStale: defaultDNSMaxStale, UDPAnswerLimit: 3,
		RecursorTimeout: 2 * time.Second, SOA: DNSSOA{Refresh: 3600, Retry: 600, Expire: 86400}}
	if !reflect.DeepEqual(c.DNS, want) || c.AltDomain != "" {
		t.Fatalf("dns defaults %+v", c.DNS)
	}
}

func TestDNSConfigKeys(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		check      func(*Config) bool
	}{
		{"every key", `{"alt_domain": "example.internal",
"dns_config": {
  "allow_stale": false,
  "max_stale": "30s",
  "node_ttl": "10s",
  "service_ttl": {"*": "5s", "web": "1m"},
  "udp_answer_limit": 10,
  "only_passing": true,
  "recursor_timeout": "500ms",
  "enable_truncate": true,
  "soa": {"refresh": 1, "retry": 2, "expire": 3, "min_ttl": 4}
}}`, func(c *Config) bool {
			return c.AltDomain == "example.internal." && reflect.DeepEqual(c.DNS, DNSConfig{
				MaxStale: 30 * time.Second, NodeTTL: 10 * time.Second,
				ServiceTTL:     map[string]time.Duration{"*": 5 * time.Second, "web": time.Minute},
				UDPAnswerLimit: 10, OnlyPassing: true, RecursorTimeout: 500 * time.Millisecond,
				EnableTruncate: true, SOA: DNSSOA{Refresh: 1, Retry: 2, Expire: 3, MinTTL: 4}})
		}},
		{"json, partial", `{"dns_config": {"node_ttl": "3s", "use_cache": true}}`, func(c *Config) bool {
			return c.DNS.NodeTTL == 3*time.Second && c.DNS.AllowStale && c.DNS.UDPAnswerLimit == 3
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"dns.json": tc.file})
			c, warnings := mustLoad(t, "-data-dir", dir, "-config-dir", dir)
			if !tc.check(c) {
				t.Fatalf("config %+v alt %q", c.DNS, c.AltDomain)
			}
			for _, w := range warnings {
				if strings.Contains(w, "dns_config\"") || strings.Contains(w, "alt_domain") {
					t.Errorf("warning %q", w)
				}
			}
			if strings.Contains(tc.file, "use_cache") && !hasWarning(warnings, `"dns_config.use_cache" is not supported yet`) {
				t.Errorf("no warning for use_cache in %q", warnings)
			}
		})
	}
}

func TestDNSConfigErrors(t *testing.T) {
	for file, want := range map[string]string{
		`{"dns_config": {"udp_answer_limit": -1}}`:      "udp_answer_limit cannot be negative",
		`{"dns_config": {"recursor_timeout": "0s"}}`:    "recursor_timeout must be positive",
		`{"dns_config": {"service_ttl": {"web": 5}}}`:   "service_ttl.web",
		`{"dns_config": {"soa": {"retry": -2}}}`:        "soa fields cannot be negative",
		`{"dns_config": {"nope": 1}}`:                   `unknown key "dns_config.nope"`,
		`{"domain": "consul", "alt_domain": "consul."}`: "is the same as domain",
	} {
		dir := writeFiles(t, map[string]string{"dns.json": file})
		if got := loadErr(t, "-data-dir", dir, "-config-dir", dir); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
}
