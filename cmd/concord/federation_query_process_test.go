package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// TestFederationPreparedQueryProcesses runs dc1 and dc2 (one server and
// one client agent each, real processes on 127.0.0.211-214) and checks
// the prepared-query "Done means": a query with failover to dc2
// (Failover.Datacenters, and Failover.NearestN) answers from dc2 while
// dc1's instances are all critical, over the HTTP API and in DNS
// (NAME.query.consul through dc1's client, with miekg/dns and dig), and
// from dc1 again when they recover. It also checks `concord rtt -wan`
// between the two servers. With CONCORD_PERF=1 it measures an execute
// answered locally against one that fails over (docs/perf.md).
func TestFederationPreparedQueryProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("process federation test skipped in -short mode")
	}
	ips := []string{"127.0.0.211", "127.0.0.212", "127.0.0.213", "127.0.0.214"}
	requireLoopbackAliases(t, ips...)
	wanJoins := []string{"-retry-join-wan", ips[0], "-retry-join-wan", ips[2], "-retry-interval-wan", "500ms"}
	s1 := newNode(t, "s1", ips[0], append([]string{"-server", "-datacenter", "dc1", "-bootstrap-expect", "1"}, wanJoins...)...)
	c1 := newNode(t, "c-dc1", ips[1], append([]string{"-datacenter", "dc1"}, joinArgs(ips[0])...)...)
	s2 := newNode(t, "s1", ips[2], append([]string{"-server", "-datacenter", "dc2", "-bootstrap-expect", "1"}, wanJoins...)...)
	c2 := newNode(t, "c-dc2", ips[3], append([]string{"-datacenter", "dc2"}, joinArgs(ips[2])...)...)
	for _, n := range []*node{s1, c1, s2, c2} {
		n.start()
	}
	api1, api2 := c1.client(), c2.client()
	eventually(t, 60*time.Second, "both datacenters up and federated", func() error {
		for _, s := range []*node{s1, s2} {
			if _, err := leaderOf(s); err != nil {
				return err
			}
		}
		for _, c := range []*api.Client{api1, api2} {
			got, err := c.Catalog().Datacenters()
			if err != nil || len(got) != 2 {
				return fmt.Errorf("datacenters %v, %v", got, err)
			}
		}
		return nil
	})

	// web on each client agent, with a TTL check the test moves.
	for _, c := range []*api.Client{api1, api2} {
		if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Port: 80,
			Check: &api.AgentServiceCheck{CheckID: "web-ttl", TTL: "10m", Status: api.HealthPassing}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, def := range []*api.PreparedQueryDefinition{
		{Name: "web-dcs", Service: api.ServiceQuery{Service: "web", OnlyPassing: true, Failover: api.QueryFailoverOptions{Datacenters: []string{"dc2"}}}},
		{Name: "web-nearest", Service: api.ServiceQuery{Service: "web", OnlyPassing: true, Failover: api.QueryFailoverOptions{NearestN: 1}}},
	} {
		if _, _, err := api1.PreparedQuery().Create(def, nil); err != nil {
			t.Fatalf("create %s: %v", def.Name, err)
		}
	}
	// answersFrom checks one query's answer through dc1's client: the
	// API's Datacenter, Failovers and nodes, then DNS (miekg/dns, and
	// dig where present).
	answersFrom := func(name, dc string, failovers int, addr string) error {
		res, _, err := api1.PreparedQuery().Execute(name, nil)
		if err != nil {
			return err
		}
		if res.Datacenter != dc || res.Failovers != failovers || len(res.Nodes) != 1 ||
			res.Nodes[0].Node.Address != addr || res.Nodes[0].Node.Datacenter != dc {
			return fmt.Errorf("%s: Datacenter %q Failovers %d nodes %v", name, res.Datacenter, res.Failovers, entryAddrs(res.Nodes))
		}
		m := new(dns.Msg)
		m.SetQuestion(name+".query.consul.", dns.TypeA)
		resp, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, ips[1]+":8600")
		if err != nil || resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 || !strings.Contains(resp.Answer[0].String(), addr) {
			return fmt.Errorf("DNS %s.query.consul: %v %v", name, resp, err)
		}
		return digName(t, ips[1], name+".query.consul", addr)
	}
	queries := []string{"web-dcs", "web-nearest"}
	for _, q := range queries {
		eventually(t, 30*time.Second, q+" answers from dc1", func() error { return answersFrom(q, "dc1", 0, ips[1]) })
	}
	latency := func(name string) []time.Duration {
		if os.Getenv("CONCORD_PERF") != "1" {
			return nil
		}
		var out []time.Duration
		for i := 0; i < 500; i++ {
			start := time.Now()
			if _, _, err := api1.PreparedQuery().Execute(name, nil); err != nil {
				t.Fatal(err)
			}
			out = append(out, time.Since(start))
		}
		return out
	}
	localLatency := latency("web-dcs")

	// Every dc1 instance critical: both queries answer from dc2.
	if err := api1.Agent().FailTTL("web-ttl", "down for the test"); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		eventually(t, 30*time.Second, q+" fails over to dc2", func() error { return answersFrom(q, "dc2", 1, ips[3]) })
	}
	failoverLatency := latency("web-dcs")

	// The WAN coordinates of both servers, through the CLI.
	eventually(t, 30*time.Second, "concord rtt -wan s1.dc1 s1.dc2", func() error {
		out, err := exec.Command(concordBinary(t), "rtt", "-wan", "-http-addr", ips[1]+":8500", "s1.dc1", "s1.dc2").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "Estimated s1.dc1 <-> s1.dc2 rtt: ") || !strings.Contains(string(out), "(using WAN coordinates)") {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})

	// dc1 recovers: both answer locally again.
	if err := api1.Agent().PassTTL("web-ttl", "back"); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		eventually(t, 30*time.Second, q+" answers from dc1 again", func() error { return answersFrom(q, "dc1", 0, ips[1]) })
	}

	if localLatency != nil {
		for _, r := range []struct {
			what string
			d    []time.Duration
		}{{"execute web-dcs answered in dc1", localLatency}, {"execute web-dcs failed over to dc2", failoverLatency}} {
			slices.Sort(r.d)
			t.Logf("%-40s p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms", r.what,
				ms(r.d[len(r.d)/2]), ms(r.d[len(r.d)*9/10]), ms(r.d[len(r.d)*99/100]))
		}
	}
}

// entryAddrs lists the node addresses of a query's answer.
func entryAddrs(entries []api.ServiceEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Node.Datacenter+"/"+e.Node.Address)
	}
	return out
}
