package agent_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

// scrape reads /v1/agent/metrics?format=prometheus with token and parses
// the text exposition.
func scrape(t *testing.T, addr, token string) (map[string]*dto.MetricFamily, int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/agent/metrics?format=prometheus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return fams, resp.StatusCode
}

// sum adds the values (counter, gauge, or observation count) of every
// series of family name whose labels include want.
func sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	total := 0.0
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Summary != nil:
			total += float64(m.GetSummary().GetSampleCount())
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		}
	}
	return total
}

func TestMetricsPrometheus(t *testing.T) {
	a, addr, c := agenttest.StartDevWith(t, func(cfg *config.Config) { cfg.Ports.DNS = 0 })
	before, code := scrape(t, addr, "")
	if code != http.StatusOK {
		t.Fatalf("scrape: %d", code)
	}
	for _, name := range []string{
		"concord_raft_state_leader", "concord_server_isLeader", "concord_raft_leader_lastContact",
		"concord_raft_apply", "concord_raft_commitTime", "concord_raft_fsm_apply",
		"concord_raft_commitIndex", "concord_raft_appliedIndex", "concord_raft_term",
		"concord_rpc_request", "concord_rpc_server_call", "concord_rpc_queries_blocking",
		"concord_api_http", "concord_serf_member_status", "concord_state_nodes",
		"concord_state_services", "concord_state_service_instances", "concord_state_kv_entries",
		"concord_health_checks", "concord_agent_services", "concord_dns_request_duration_seconds",
		"concord_catalog_register", "concord_kvs_apply", "concord_txn_apply",
		"concord_acl_ResolveToken", "go_goroutines", "process_cpu_seconds_total",
	} {
		if _, ok := before[name]; !ok {
			t.Errorf("family %s missing", name)
		}
	}
	if v := sum(before, "concord_serf_member_status", map[string]string{"status": "alive"}); v != 1 {
		t.Errorf("alive LAN members = %v, want 1", v)
	}
	if v := sum(before, "concord_server_isLeader", nil); v != 1 {
		t.Errorf("isLeader = %v, want 1", v)
	}

	// A KV put, a service registration, a DNS query.
	if _, err := c.KV().Put(&api.KVPair{Key: "metrics/a", Value: []byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Port: 80,
		Check: &api.AgentServiceCheck{TTL: "1m"}}); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10e9, "web in the catalog", func() error {
		svcs, _, err := c.Catalog().Service("web", "", nil)
		if err != nil || len(svcs) != 1 {
			return fmt.Errorf("web: %v %v", svcs, err)
		}
		return nil
	})
	m := new(dns.Msg)
	m.SetQuestion("web.service.consul.", dns.TypeA)
	if _, _, err := (&dns.Client{Timeout: 3e9}).Exchange(m, a.DNSAddrs()[0].String()); err != nil {
		t.Fatal(err)
	}

	// dnsfront counts a query after writing its answer, so the count
	// may trail the reply by a moment.
	var after map[string]*dto.MetricFamily
	agenttest.WaitFor(t, 10e9, "the DNS query counted", func() error {
		after, _ = scrape(t, addr, "")
		if sum(after, "concord_dns_queries", map[string]string{"type": "A"}) < 1 {
			return fmt.Errorf("no A query counted yet")
		}
		return nil
	})
	moved := []struct {
		name   string
		labels map[string]string
	}{
		{"concord_kvs_apply", nil},
		{"concord_rpc_request", map[string]string{"method": "KVS.Apply"}},
		{"concord_raft_apply", nil},
		{"concord_raft_fsm_apply", map[string]string{"type": "kvs"}},
		{"concord_catalog_register", nil},
		{"concord_state_kv_entries", nil},
		{"concord_state_services", nil},
		{"concord_state_service_instances", nil},
		{"concord_agent_services", nil},
		{"concord_health_checks", map[string]string{"status": "critical"}},
		{"concord_dns_queries", map[string]string{"type": "A"}},
		{"concord_dns_request_duration_seconds", nil},
		{"concord_api_http", map[string]string{"method": "PUT", "path": "/v1/kv/", "code": "200"}},
	}
	for _, mv := range moved {
		b, af := sum(before, mv.name, mv.labels), sum(after, mv.name, mv.labels)
		if b < 0 {
			b = 0
		}
		if !(af > b) {
			t.Errorf("%s%v did not rise: %v -> %v", mv.name, mv.labels, b, af)
		}
	}

	// The JSON form carries the same families.
	raw, err := c.Agent().Metrics()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, g := range raw.Gauges {
		names[g.Name] = true
	}
	for _, s := range raw.Samples {
		names[s.Name] = true
	}
	for _, s := range raw.Counters {
		names[s.Name] = true
	}
	for _, n := range []string{"concord_state_nodes", "concord_kvs_apply", "concord_rpc_request"} {
		if !names[n] {
			t.Errorf("JSON metrics lack %s", n)
		}
	}
}

func TestMetricsPrefixAndACL(t *testing.T) {
	_, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Telemetry.MetricsPrefix = "consul"
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = rootToken
	})
	var fams map[string]*dto.MetricFamily
	agenttest.WaitFor(t, 10e9, "the management token reads metrics", func() error {
		var code int
		fams, code = scrape(t, addr, rootToken)
		if code != http.StatusOK {
			return fmt.Errorf("status %d", code)
		}
		return nil
	})
	if _, code := scrape(t, addr, ""); code != http.StatusForbidden {
		t.Errorf("anonymous scrape: %d, want 403", code)
	}
	for _, name := range []string{"consul_raft_leader_lastContact", "consul_rpc_request", "consul_kvs_apply", "consul_catalog_register"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("family %s missing", name)
		}
	}
	for name := range fams {
		if !strings.HasPrefix(name, "consul_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("family %s does not start with consul_", name)
		}
	}
}
