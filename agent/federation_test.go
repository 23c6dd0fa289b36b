package agent_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/lan"
	ctls "github.com/concord-dev/concord/tls"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// withDNS gives every agent of a federation an ephemeral DNS port.
func withDNS(cfg *config.Config) { cfg.Ports.DNS = 0 }

func TestFederationWANPoolAndRouting(t *testing.T) {
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 1, nil, withDNS)
	dc1, dc2 := dcs[0], dcs[1]
	srv1 := agenttest.Client(t, dc1.Servers[0])
	cli1 := agenttest.Client(t, dc1.Clients[0])
	cli2 := agenttest.Client(t, dc2.Clients[0])

	// members -wan: both servers, named NODE.DC, from either datacenter.
	wanMembers, err := srv1.Agent().Members(true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range wanMembers {
		names = append(names, m.Name)
		if m.Tags["role"] != "consul" || m.Status != int(lan.StatusAlive) {
			t.Errorf("WAN member %+v", m)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"s1.dc1", "s1.dc2"}) {
		t.Fatalf("WAN members = %v", names)
	}
	// A client agent is in no WAN pool and refuses to join one.
	if ms, err := cli1.Agent().Members(true); err != nil || len(ms) != 0 {
		t.Fatalf("client WAN members = %v, %v", ms, err)
	}
	err = cli1.Agent().Join(dc2.Servers[0].WANAddr(), true)
	var se api.StatusError
	if !errors.As(err, &se) || se.Code != 400 || !strings.Contains(se.Body, "Must be a server") {
		t.Fatalf("client WAN join = %v", err)
	}
	if err := cli1.Agent().ForceLeaveOptions("s1.dc2", api.ForceLeaveOpts{WAN: true}, nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("client WAN force-leave = %v", err)
	}

	// The WAN pool is in the members metric of a server.
	families, _ := scrape(t, dc1.Servers[0].HTTPAddrs()[0].String(), "")
	if v := sum(families, "concord_serf_member_status", map[string]string{"network": "wan", "status": "alive"}); v != 2 {
		t.Errorf("alive WAN members in the metrics = %v, want 2", v)
	}

	// Datacenters: the local one first, then the others by name.
	if got, err := cli1.Catalog().Datacenters(); err != nil || !slices.Equal(got, []string{"dc1", "dc2"}) {
		t.Fatalf("dc1 datacenters = %v, %v", got, err)
	}
	if got, err := cli2.Catalog().Datacenters(); err != nil || !slices.Equal(got, []string{"dc2", "dc1"}) {
		t.Fatalf("dc2 datacenters = %v, %v", got, err)
	}

	// web lives in dc2 only; dc1's client reads it through its server.
	register(t, cli2, "web-node", "10.20.0.5", "web", 80, []string{"v2"}, api.HealthPassing)
	dc2Only := &api.QueryOptions{Datacenter: "dc2"}
	entries, _, err := cli1.Health().Service("web", "", true, dc2Only)
	if err != nil || len(entries) != 1 || entries[0].Node.Address != "10.20.0.5" || entries[0].Node.Datacenter != "dc2" {
		t.Fatalf("health web ?dc=dc2 from dc1 = %+v, %v", entries, err)
	}
	if local, _, err := cli1.Health().Service("web", "", true, nil); err != nil || len(local) != 0 {
		t.Fatalf("health web in dc1 = %+v, %v", local, err)
	}

	// DNS on dc1's client answers from dc2's catalog.
	dnsAddr := dc1.Clients[0].DNSAddrs()[0].String()
	for _, q := range []struct {
		name string
		want []string
	}{
		{"web.service.dc2.consul", []string{"10.20.0.5"}},
		{"v2.web.service.dc2.consul", []string{"10.20.0.5"}},
		{"web-node.node.dc2.consul", []string{"10.20.0.5"}},
	} {
		resp := ask(t, "udp", dnsAddr, q.name, dns.TypeA)
		if got := answers(resp); resp.Rcode != dns.RcodeSuccess || !slices.Equal(got, q.want) {
			t.Errorf("%s = rcode %d %v, want %v", q.name, resp.Rcode, got, q.want)
		}
	}
	if resp := ask(t, "udp", dnsAddr, "web.service.consul", dns.TypeA); resp.Rcode != dns.RcodeNameError {
		t.Errorf("web.service.consul in dc1 = rcode %d %v", resp.Rcode, answers(resp))
	}
	if resp := ask(t, "udp", dnsAddr, "web.service.dc9.consul", dns.TypeA); resp.Rcode != dns.RcodeNameError {
		t.Errorf("unknown datacenter = rcode %d", resp.Rcode)
	}

	// A KV write with ?dc=dc2 lands in dc2 only.
	if _, err := cli1.KV().Put(&api.KVPair{Key: "where", Value: []byte("dc2")}, &api.WriteOptions{Datacenter: "dc2"}); err != nil {
		t.Fatal(err)
	}
	if p, _, err := cli2.KV().Get("where", nil); err != nil || p == nil || string(p.Value) != "dc2" {
		t.Fatalf("dc2 reads %+v, %v", p, err)
	}
	if p, _, err := cli1.KV().Get("where", nil); err != nil || p != nil {
		t.Fatalf("dc1 reads %+v, %v", p, err)
	}

	// A blocking query on dc2 through dc1 wakes on a dc2 change.
	p, meta, err := cli1.KV().Get("where", dc2Only)
	if err != nil || p == nil {
		t.Fatal(p, err)
	}
	type result struct {
		value string
		index uint64
		took  time.Duration
		err   error
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		p, m, err := cli1.KV().Get("where", &api.QueryOptions{Datacenter: "dc2", WaitIndex: meta.LastIndex, WaitTime: 30 * time.Second})
		r := result{took: time.Since(start), err: err}
		if p != nil {
			r.value, r.index = string(p.Value), m.LastIndex
		}
		done <- r
	}()
	time.Sleep(300 * time.Millisecond) // let it park; the assertion does not depend on it
	if _, err := cli2.KV().Put(&api.KVPair{Key: "where", Value: []byte("dc2-v2")}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.value != "dc2-v2" || r.index <= meta.LastIndex || r.took > 20*time.Second {
			t.Fatalf("blocking query through dc1 = %+v", r)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("blocking query on dc2 through dc1 never returned")
	}

	// An unknown datacenter is Consul's 500 "No path to datacenter".
	_, _, err = cli1.KV().Get("where", &api.QueryOptions{Datacenter: "dc9"})
	if !errors.As(err, &se) || se.Code != 500 || se.Body != "No path to datacenter" {
		t.Fatalf("unknown datacenter = %v", err)
	}

	// An event fired in dc1 for dc2 is delivered in dc2's LAN pool only.
	ev, _, err := cli1.Event().Fire(&api.UserEvent{Name: "deploy", Payload: []byte("v2")}, &api.WriteOptions{Datacenter: "dc2"})
	if err != nil || ev == "" {
		t.Fatalf("fire ?dc=dc2 = %q, %v", ev, err)
	}
	agenttest.WaitFor(t, 30*time.Second, "the event reaches dc2's client", func() error {
		evs, _, err := cli2.Event().List("deploy", nil)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.ID == ev && string(e.Payload) == "v2" {
				return nil
			}
		}
		return errors.New("not yet")
	})
	if evs, _, err := cli1.Event().List("deploy", nil); err != nil || len(evs) != 0 {
		t.Fatalf("dc1 saw %v, %v", evs, err)
	}
	// The calls above went to dc2 through dc1's server, and its WAN
	// pool's gossip families are there with network="wan".
	families, _ = scrape(t, dc1.Servers[0].HTTPAddrs()[0].String(), "")
	if v := sum(families, "concord_rpc_cross_dc", map[string]string{"datacenter": "dc2"}); v < 1 {
		t.Errorf("cross-DC RPCs to dc2 in the metrics = %v, want at least 1", v)
	}
	if v := sum(families, "concord_serf_member_join", map[string]string{"network": "wan"}); v < 1 {
		t.Errorf("WAN joins in the metrics = %v, want at least 1", v)
	}
	if v := sum(families, "concord_memberlist_health_score", map[string]string{"network": "wan"}); v < 0 {
		t.Errorf("WAN health score missing from the metrics")
	}
}

// TestFederationACLTokenCrossesTheHop: dc2 enforces its own ACLs on a
// request that came through dc1, with the token the caller gave dc1.
func TestFederationACLTokenCrossesTheHop(t *testing.T) {
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 0, nil, func(cfg *config.Config) {
		if cfg.Datacenter == "dc2" {
			cfg.ACL.Enabled = true
			cfg.ACL.DefaultPolicy = "deny"
			cfg.ACL.Tokens.InitialManagement = "dc2-root"
		}
	})
	srv1 := agenttest.Client(t, dcs[0].Servers[0])
	put := func(token string) error {
		_, err := srv1.KV().Put(&api.KVPair{Key: "k", Value: []byte("v")}, &api.WriteOptions{Datacenter: "dc2", Token: token})
		return err
	}
	if err := put(""); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous write into dc2 = %v, want 403", err)
	}
	if err := put("dc2-root"); err != nil {
		t.Fatalf("write into dc2 with its token = %v", err)
	}
	// dc1 has no ACLs: the same request there needs no token.
	if _, err := srv1.KV().Put(&api.KVPair{Key: "k", Value: []byte("v")}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestFederationPartition cuts dc2 off with a fault-injecting transport:
// dc1 keeps working, dc2 queries fail fast with a clear error, no dc1
// server is marked failed in dc1's LAN pool, and once healed dc2 answers
// again without anyone acting.
func TestFederationPartition(t *testing.T) {
	faults := wan.NewFaults()
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 1, faults, nil)
	dc1, dc2 := dcs[0], dcs[1]
	cli1 := agenttest.Client(t, dc1.Clients[0])
	cli2 := agenttest.Client(t, dc2.Clients[0])
	if _, err := cli2.KV().Put(&api.KVPair{Key: "k", Value: []byte("dc2")}, nil); err != nil {
		t.Fatal(err)
	}
	dc2Only := &api.QueryOptions{Datacenter: "dc2"}
	if _, _, err := cli1.KV().Get("k", dc2Only); err != nil {
		t.Fatal(err)
	}

	faults.Partition(dc1.Addrs(), dc2.Addrs())

	// Before gossip notices, the call fails on the transport; after, the
	// router has no path. Either way: an error, fast.
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, _, err := cli1.KV().Get("k", dc2Only)
		took := time.Since(start)
		if err == nil {
			t.Fatal("dc2 answered across the partition")
		}
		if !strings.Contains(err.Error(), "datacenter") || took > 10*time.Second {
			t.Fatalf("dc2 read across the partition: %v after %v", err, took)
		}
	}
	// dc1 keeps working.
	if _, err := cli1.KV().Put(&api.KVPair{Key: "k1", Value: []byte("dc1")}, nil); err != nil {
		t.Fatalf("dc1 write during the partition: %v", err)
	}
	agenttest.WaitFor(t, 45*time.Second, "dc1's server sees dc2's server failed in the WAN pool", func() error {
		for _, m := range dc1.Servers[0].WANMembers() {
			if m.Name == "s1.dc2" && m.Status == lan.StatusFailed {
				return nil
			}
		}
		return errors.New("not yet")
	})
	_, _, err := cli1.KV().Get("k", dc2Only)
	var se api.StatusError
	if !errors.As(err, &se) || se.Code != 500 || se.Body != "No path to datacenter" {
		t.Fatalf("dc2 read once its servers failed = %v", err)
	}
	for _, m := range dc1.Servers[0].Members() {
		if m.Status != lan.StatusAlive {
			t.Fatalf("dc1's LAN pool has %s %s during the WAN partition", m.Name, m.Status)
		}
	}

	faults.Heal()
	agenttest.WaitFor(t, 60*time.Second, "dc2 answers through dc1 after the partition heals", func() error {
		p, _, err := cli1.KV().Get("k", dc2Only)
		if err != nil {
			return err
		}
		if p == nil || string(p.Value) != "dc2" {
			return errors.New("wrong value")
		}
		return nil
	})
}

// TestFederationOverTLSAndEncryptedGossip: with mutual TLS on the server
// port (verify_server_hostname included) and gossip encryption, the WAN
// pool forms and a dc1 client reads and writes dc2: dc1's server dials
// dc2's expecting server.dc2.consul, which only dc2's certificate is.
func TestFederationOverTLSAndEncryptedGossip(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, err := ctls.GenerateCA(ctls.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "consul-agent-ca.pem")
	if err := os.WriteFile(caFile, []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	type pair struct{ cert, key string }
	certs := map[string]pair{}
	for _, dc := range []string{"dc1", "dc2"} {
		c, k := certFilesIn(t, dir, ca, caKey, ctls.KindServer, dc)
		certs[dc+"/server"] = pair{c, k}
		c, k = certFilesIn(t, dir, ca, caKey, ctls.KindClient, dc)
		certs[dc+"/client"] = pair{c, k}
	}
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2"}, 1, 1, nil, func(c *config.Config) {
		kind := "client"
		if c.Server {
			kind = "server"
		}
		p := certs[c.Datacenter+"/"+kind]
		c.TLS.InternalRPC = config.TLSScope{CAFile: caFile, CertFile: p.cert, KeyFile: p.key,
			VerifyIncoming: true, VerifyOutgoing: true, VerifyServerHostname: true}
		c.EncryptKey = gossipKey1
	})
	cli1 := agenttest.Client(t, dcs[0].Clients[0])
	cli2 := agenttest.Client(t, dcs[1].Clients[0])
	if _, err := cli1.KV().Put(&api.KVPair{Key: "tls", Value: []byte("across")}, &api.WriteOptions{Datacenter: "dc2"}); err != nil {
		t.Fatalf("write into dc2 over TLS: %v", err)
	}
	if p, _, err := cli2.KV().Get("tls", nil); err != nil || p == nil || string(p.Value) != "across" {
		t.Fatalf("dc2 reads %v, %v", p, err)
	}
	for _, s := range append(dcs[0].Servers, dcs[1].Servers...) {
		if s.Self().Stats["serf_wan"]["encrypted"] != "true" {
			t.Errorf("%s: WAN stats %v", s.Self().NodeName, s.Self().Stats["serf_wan"])
		}
	}

	// A keyring operation on a server changes the WAN ring too: both
	// servers of both datacenters install the key.
	srv1 := agenttest.Client(t, dcs[0].Servers[0])
	if err := srv1.Operator().KeyringInstall(gossipKey2, nil); err != nil {
		t.Fatal(err)
	}
	rings, err := srv1.Operator().KeyringList(nil)
	if err != nil {
		t.Fatal(err)
	}
	var wanRing *api.KeyringResponse
	for _, r := range rings {
		if r.WAN {
			wanRing = r
		}
	}
	if len(rings) != 2 || wanRing == nil || wanRing.NumNodes != 2 || wanRing.Keys[gossipKey2] != 2 || wanRing.Keys[gossipKey1] != 2 {
		t.Fatalf("keyring list from a server: %+v (WAN %+v)", rings, wanRing)
	}
}
