package agent_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// TestFederationPreparedQueryFailover: a query whose service has no
// healthy instance in dc1 answers from dc2 (its Datacenter, Failovers
// and Nodes say so, and so does NAME.query.consul), for both failover
// styles, and answers from dc1 again once dc1's instances recover.
func TestFederationPreparedQueryFailover(t *testing.T) {
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 1, nil, withDNS)
	dc1, dc2 := dcs[0], dcs[1]
	cli1 := agenttest.Client(t, dc1.Clients[0])
	cli2 := agenttest.Client(t, dc2.Clients[0])
	register(t, cli1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthPassing)
	register(t, cli2, "web-b", "10.20.0.1", "web", 80, nil, api.HealthPassing)
	register(t, cli2, "web-c", "10.20.0.2", "web", 80, nil, api.HealthPassing)

	pq := cli1.PreparedQuery()
	for _, def := range []*api.PreparedQueryDefinition{
		{Name: "web-dcs", Service: api.ServiceQuery{Service: "web", OnlyPassing: true, Failover: api.QueryFailoverOptions{Datacenters: []string{"dc2"}}}},
		{Name: "web-nearest", Service: api.ServiceQuery{Service: "web", OnlyPassing: true, Failover: api.QueryFailoverOptions{NearestN: 1}}},
	} {
		if _, _, err := pq.Create(def, nil); err != nil {
			t.Fatalf("create %s: %v", def.Name, err)
		}
	}
	dnsAddr := dc1.Clients[0].DNSAddrs()[0].String()
	expect := func(name, dc string, failovers int, addrs []string) error {
		res, _, err := pq.Execute(name, nil)
		if err != nil {
			return err
		}
		var got []string
		for _, e := range res.Nodes {
			if e.Node.Datacenter != dc {
				return fmt.Errorf("%s: node %s of datacenter %q in an answer from %s", name, e.Node.Node, e.Node.Datacenter, dc)
			}
			got = append(got, e.Node.Address)
		}
		slices.Sort(got)
		if res.Datacenter != dc || res.Failovers != failovers || !slices.Equal(got, addrs) {
			return fmt.Errorf("%s: Datacenter %q Failovers %d nodes %v, want %s %d %v", name, res.Datacenter, res.Failovers, got, dc, failovers, addrs)
		}
		m := ask(t, "udp", dnsAddr, name+".query.consul", dns.TypeA)
		got = answers(m)
		slices.Sort(got)
		if m.Rcode != dns.RcodeSuccess || !slices.Equal(got, addrs) {
			return fmt.Errorf("%s.query.consul: rcode %d %v, want %v", name, m.Rcode, got, addrs)
		}
		return nil
	}
	local := []string{"10.10.0.1"}
	remote := []string{"10.20.0.1", "10.20.0.2"}
	for _, name := range []string{"web-dcs", "web-nearest"} {
		if err := expect(name, "dc1", 0, local); err != nil {
			t.Fatal(err)
		}
	}

	// Every dc1 instance critical: both queries answer from dc2.
	register(t, cli1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthCritical)
	for _, name := range []string{"web-dcs", "web-nearest"} {
		agenttest.WaitFor(t, 30*time.Second, name+" fails over to dc2", func() error { return expect(name, "dc2", 1, remote) })
	}
	// SRV targets name dc2's nodes in dc2.
	srv := answers(ask(t, "tcp", dnsAddr, "web-dcs.query.consul", dns.TypeSRV))
	slices.Sort(srv)
	if !slices.Equal(srv, []string{"80 web-b.node.dc2.consul.", "80 web-c.node.dc2.consul."}) {
		t.Errorf("web-dcs.query.consul SRV during failover = %v", srv)
	}

	// dc1 recovers: both answer locally again, without failover.
	register(t, cli1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthPassing)
	for _, name := range []string{"web-dcs", "web-nearest"} {
		agenttest.WaitFor(t, 30*time.Second, name+" answers from dc1 again", func() error { return expect(name, "dc1", 0, local) })
	}

	// Nothing healthy anywhere: both datacenters tried, an empty answer.
	register(t, cli1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthCritical)
	for _, n := range []string{"web-b", "web-c"} {
		register(t, cli2, n, "10.20.0.9", "web", 80, nil, api.HealthCritical)
	}
	res, _, err := pq.Execute("web-dcs", nil)
	if err != nil || len(res.Nodes) != 0 || res.Failovers != 1 || res.Datacenter != "dc1" {
		t.Fatalf("no healthy instance anywhere: %+v, %v", res, err)
	}
	// DNS keeps an answer for up to a second (dnsfront's cache).
	agenttest.WaitFor(t, 30*time.Second, "web-dcs.query.consul answers nothing", func() error {
		if m := ask(t, "udp", dnsAddr, "web-dcs.query.consul", dns.TypeA); m.Rcode != dns.RcodeNameError || len(m.Answer) != 0 {
			return fmt.Errorf("rcode %d %v", m.Rcode, answers(m))
		}
		return nil
	})

	// A query kept in dc2, executed from dc1 with ?dc=dc2 (and as
	// NAME.query.dc2.consul), fails over from dc2 back to dc1.
	if _, _, err := pq.Create(&api.PreparedQueryDefinition{Name: "web-back",
		Service: api.ServiceQuery{Service: "web", Failover: api.QueryFailoverOptions{Datacenters: []string{"dc1"}}}},
		&api.WriteOptions{Datacenter: "dc2"}); err != nil {
		t.Fatal(err)
	}
	register(t, cli1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthPassing)
	agenttest.WaitFor(t, 30*time.Second, "web-back in dc2 fails over to dc1", func() error {
		res, _, err := pq.Execute("web-back", &api.QueryOptions{Datacenter: "dc2"})
		if err != nil {
			return err
		}
		if res.Datacenter != "dc1" || res.Failovers != 1 || len(res.Nodes) != 1 || res.Nodes[0].Node.Address != "10.10.0.1" {
			return fmt.Errorf("Datacenter %q Failovers %d nodes %d", res.Datacenter, res.Failovers, len(res.Nodes))
		}
		if got := answers(ask(t, "udp", dnsAddr, "web-back.query.dc2.consul", dns.TypeA)); !slices.Equal(got, []string{"10.10.0.1"}) {
			return fmt.Errorf("web-back.query.dc2.consul = %v", got)
		}
		return nil
	})
}

// TestFederationNearAgentInAnotherDC: ?near=_agent names the asking
// agent's node, and another datacenter sorts only when a node by that
// name has a coordinate there, as Consul does (the name is resolved by
// the agent and carried to the datacenter that answers). A dc1 agent's
// name unknown in dc2 leaves dc2's answer whole and unsorted, never an
// error.
func TestFederationNearAgentInAnotherDC(t *testing.T) {
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 1, nil, func(cfg *config.Config) {
		fastCoordinates(cfg)
		if cfg.Datacenter == "dc2" {
			cfg.NodeName = "b-" + cfg.NodeName
		}
	})
	cli1 := agenttest.Client(t, dcs[0].Clients[0])
	cli2 := agenttest.Client(t, dcs[1].Clients[0])
	for _, c := range []*api.Client{cli2, agenttest.Client(t, dcs[1].Servers[0])} {
		if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "web", Name: "web", Port: 80}); err != nil {
			t.Fatal(err)
		}
	}
	agenttest.WaitFor(t, 45*time.Second, "dc2's coordinates and web instances", func() error {
		coords, _, err := cli2.Coordinate().Nodes(nil)
		if err != nil || len(coords) != 2 {
			return fmt.Errorf("%d coordinates, %v", len(coords), err)
		}
		entries, _, err := cli2.Health().Service("web", "", false, nil)
		if err != nil || len(entries) != 2 {
			return fmt.Errorf("%d instances, %v", len(entries), err)
		}
		return nil
	})
	near := &api.QueryOptions{Datacenter: "dc2", Near: "_agent"}
	for i := 0; i < 5; i++ {
		entries, _, err := cli1.Health().Service("web", "", false, near)
		if err != nil || len(entries) != 2 {
			t.Fatalf("health web ?dc=dc2&near=_agent from dc1: %d, %v", len(entries), err)
		}
		nodes, _, err := cli1.Catalog().Nodes(near)
		if err != nil || len(nodes) != 2 {
			t.Fatalf("catalog nodes ?dc=dc2&near=_agent from dc1: %d, %v", len(nodes), err)
		}
	}
	// A dc2 node's name given explicitly sorts in dc2 from that node, on
	// the health endpoint and on a query executed in dc2 (whose ?near
	// names a node of the datacenter that executes it, as in Consul).
	if _, _, err := cli1.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web-q", Service: api.ServiceQuery{Service: "web"}},
		&api.WriteOptions{Datacenter: "dc2"}); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"b-c1", "b-s1"} {
		opts := &api.QueryOptions{Datacenter: "dc2", Near: from}
		for i := 0; i < 5; i++ {
			entries, _, err := cli1.Health().Service("web", "", false, opts)
			if err != nil || len(entries) != 2 || entries[0].Node.Node != from {
				t.Fatalf("health ?dc=dc2&near=%s from dc1: %+v, %v", from, entries, err)
			}
			res, _, err := cli1.PreparedQuery().Execute("web-q", opts)
			if err != nil || len(res.Nodes) != 2 || res.Nodes[0].Node.Node != from || res.Datacenter != "dc2" {
				t.Fatalf("execute ?dc=dc2&near=%s from dc1: %+v, %v", from, res, err)
			}
		}
	}
	if res, _, err := cli1.PreparedQuery().Execute("web-q", near); err != nil || len(res.Nodes) != 2 {
		t.Fatalf("execute ?dc=dc2&near=_agent from dc1: %+v, %v", res, err)
	}
}

// TestFederationPreparedQueryFailoverACLs: the failover execute in dc2
// runs with the query's stored token, checked by dc2's own ACLs; an
// unknown token there makes dc2 answer nothing, and the query's answer
// is empty with the failover counted.
func TestFederationPreparedQueryFailoverACLs(t *testing.T) {
	const root = "a0f5cb43-0b5e-4bd1-9e0b-0d6a5b5c0001"
	const shared = "a0f5cb43-0b5e-4bd1-9e0b-0d6a5b5c0002"
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 0, nil, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = root
	})
	rootClient := func(i int) *api.Client {
		c, err := api.NewClient(&api.Config{Address: dcs[i].Servers[0].HTTPAddrs()[0].String(), Token: root})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	root1, root2 := rootClient(0), rootClient(1)
	anon1, err := api.NewClient(&api.Config{Address: dcs[0].Servers[0].HTTPAddrs()[0].String()})
	if err != nil {
		t.Fatal(err)
	}
	register(t, root1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthCritical)
	register(t, root2, "web-b", "10.20.0.1", "web", 80, nil, api.HealthPassing)
	reader := `service "web" { policy = "read" } node_prefix "" { policy = "read" }`
	sharedToken(t, root1, shared, "web-reader", reader)

	for _, def := range []*api.PreparedQueryDefinition{
		{Name: "web-stored", Token: shared, Service: api.ServiceQuery{Service: "web", Failover: api.QueryFailoverOptions{Datacenters: []string{"dc2"}}}},
		{Name: "web-caller", Service: api.ServiceQuery{Service: "web", Failover: api.QueryFailoverOptions{Datacenters: []string{"dc2"}}}},
	} {
		if _, _, err := root1.PreparedQuery().Create(def, nil); err != nil {
			t.Fatalf("create %s: %v", def.Name, err)
		}
	}
	execute := func(c *api.Client, name string, opts *api.QueryOptions) (*api.PreparedQueryExecuteResponse, error) {
		res, _, err := c.PreparedQuery().Execute(name, opts)
		if err != nil {
			return nil, err
		}
		if res.Failovers != 1 {
			return res, fmt.Errorf("%s: Failovers %d, want 1", name, res.Failovers)
		}
		return res, nil
	}

	// The stored token does not exist in dc2 (no ACL replication): dc2
	// refuses it and the anonymous caller gets nothing.
	if res, err := execute(anon1, "web-stored", nil); err != nil || len(res.Nodes) != 0 {
		t.Fatalf("stored token unknown in dc2: %+v, %v", res, err)
	}
	// The same secret in dc2, with a policy that reads web: dc2 answers.
	sharedToken(t, root2, shared, "web-reader", reader)
	res, err := execute(anon1, "web-stored", nil)
	if err != nil || len(res.Nodes) != 1 || res.Datacenter != "dc2" || res.Nodes[0].Node.Address != "10.20.0.1" {
		t.Fatalf("stored token known in dc2: %+v, %v", res, err)
	}
	// dc2 narrows its policy: the same execute in dc1 now reads nothing
	// in dc2, although dc1's copy of the token still may.
	p, _, err := root2.ACL().PolicyReadByName("web-reader", nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Rules = `service "db" { policy = "read" } node_prefix "" { policy = "read" }`
	if _, _, err := root2.ACL().PolicyUpdate(p, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 30*time.Second, "dc2 applies its narrowed policy", func() error {
		res, err := execute(anon1, "web-stored", nil)
		if err != nil {
			return err
		}
		if len(res.Nodes) != 0 {
			return errors.New("dc2 still answers web")
		}
		return nil
	})

	// Without a stored token the caller's token travels: root is
	// management in both; the anonymous caller reads nothing locally
	// (and dc2 refuses it too).
	if res, err := execute(root1, "web-caller", nil); err != nil || len(res.Nodes) != 1 || res.Datacenter != "dc2" {
		t.Fatalf("caller's management token: %+v, %v", res, err)
	}
	if res, _, err := anon1.PreparedQuery().Execute("web-caller", nil); err != nil || len(res.Nodes) != 0 {
		t.Fatalf("anonymous caller: %+v, %v", res, err)
	}

	// Events fired with ?dc=dc2 through dc1 are judged by dc2's ACLs
	// with the caller's token, which dc1 need not know.
	deployer := tokenWith(t, root2, "deployer", `event "deploy" { policy = "write" }`)
	fire := func(token, dc string) error {
		_, _, err := anon1.Event().Fire(&api.UserEvent{Name: "deploy"}, &api.WriteOptions{Datacenter: dc, Token: token})
		return err
	}
	if err := fire("", "dc2"); !isForbidden(err) {
		t.Fatalf("anonymous event into dc2: %v, want 403", err)
	}
	if err := fire(deployer, "dc2"); err != nil {
		t.Fatalf("event into dc2 with dc2's token: %v", err)
	}
	if err := fire(deployer, ""); !isForbidden(err) {
		t.Fatalf("event in dc1 with a token only dc2 knows: %v, want 403", err)
	}
	// The WAN coordinate and datacenter lists need no token, as in Consul.
	if got, err := anon1.Catalog().Datacenters(); err != nil || !slices.Equal(got, []string{"dc1", "dc2"}) {
		t.Fatalf("anonymous datacenters: %v, %v", got, err)
	}
	agenttest.WaitFor(t, 30*time.Second, "anonymous coordinate datacenters list both", func() error {
		if maps, err := anon1.Coordinate().Datacenters(); err != nil || len(maps) != 2 {
			return fmt.Errorf("%d datacenters, %v", len(maps), err)
		}
		return nil
	})
}

// sharedToken creates, in the datacenter root talks to, a token with the
// given secret and a policy of rules named name: the same credential in
// two datacenters, as ACL replication would make it.
func sharedToken(t *testing.T, root *api.Client, secret, name, rules string) {
	t.Helper()
	p, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: name, Rules: rules}, nil)
	if err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	if _, _, err := root.ACL().TokenCreate(&api.ACLToken{SecretID: secret, Description: name,
		Policies: []*api.ACLTokenPolicyLink{{ID: p.ID}}}, nil); err != nil && !strings.Contains(err.Error(), "exists") {
		t.Fatalf("create token %s: %v", name, err)
	}
}

// TestFederationPreparedQueryFailoverPartition: with dc2 cut off by a
// fault-injecting transport, a query failing over to ["dc2", "dc3"]
// answers from dc3 quickly (dc2 tried and skipped, both counted), in
// the API and in DNS, dc1's LAN pool marks nobody failed, and once
// healed the query answers from dc2 again.
func TestFederationPreparedQueryFailoverPartition(t *testing.T) {
	faults := wan.NewFaults()
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2", "dc3"}, 1, 1, faults, withDNS)
	dc1, dc2, dc3 := dcs[0], dcs[1], dcs[2]
	cli1 := agenttest.Client(t, dc1.Clients[0])
	register(t, cli1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthCritical)
	register(t, agenttest.Client(t, dc2.Clients[0]), "web-b", "10.20.0.1", "web", 80, nil, api.HealthPassing)
	register(t, agenttest.Client(t, dc3.Clients[0]), "web-c", "10.30.0.1", "web", 80, nil, api.HealthPassing)
	if _, _, err := cli1.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web-q",
		Service: api.ServiceQuery{Service: "web", Failover: api.QueryFailoverOptions{Datacenters: []string{"dc2", "dc3"}}}}, nil); err != nil {
		t.Fatal(err)
	}
	dnsAddr := dc1.Clients[0].DNSAddrs()[0].String()
	answer := func(dc string, failovers int, addr string) error {
		start := time.Now()
		res, _, err := cli1.PreparedQuery().Execute("web-q", nil)
		took := time.Since(start)
		if err != nil {
			return err
		}
		if res.Datacenter != dc || res.Failovers != failovers || len(res.Nodes) != 1 || res.Nodes[0].Node.Address != addr {
			return fmt.Errorf("Datacenter %q Failovers %d, %d nodes, want %s %d %s", res.Datacenter, res.Failovers, len(res.Nodes), dc, failovers, addr)
		}
		if took > 10*time.Second {
			t.Fatalf("execute took %v", took)
		}
		m := ask(t, "udp", dnsAddr, "web-q.query.consul", dns.TypeA)
		if got := answers(m); m.Rcode != dns.RcodeSuccess || !slices.Equal(got, []string{addr}) {
			return fmt.Errorf("web-q.query.consul: rcode %d %v, want %s", m.Rcode, got, addr)
		}
		return nil
	}
	agenttest.WaitFor(t, 30*time.Second, "web-q answers from dc2", func() error { return answer("dc2", 1, "10.20.0.1") })

	faults.Partition(append(dc1.Addrs(), dc3.Addrs()...), dc2.Addrs())
	// At once (the transport fails) and once gossip marks dc2's server
	// failed (the router has no path): dc3 answers, dc2 counted.
	agenttest.WaitFor(t, 30*time.Second, "web-q answers from dc3 across the partition", func() error { return answer("dc3", 2, "10.30.0.1") })
	agenttest.WaitFor(t, 45*time.Second, "dc1's server sees dc2's server failed in the WAN pool", func() error {
		for _, m := range dc1.Servers[0].WANMembers() {
			if m.Name == "s1.dc2" && m.Status == lan.StatusFailed {
				return nil
			}
		}
		return errors.New("not yet")
	})
	agenttest.WaitFor(t, 30*time.Second, "web-q still answers from dc3", func() error { return answer("dc3", 2, "10.30.0.1") })
	for _, m := range dc1.Servers[0].Members() {
		if m.Status != lan.StatusAlive {
			t.Fatalf("dc1's LAN pool has %s %s during the WAN partition", m.Name, m.Status)
		}
	}

	faults.Heal()
	agenttest.WaitFor(t, 60*time.Second, "web-q answers from dc2 after the partition heals", func() error { return answer("dc2", 1, "10.20.0.1") })
}
