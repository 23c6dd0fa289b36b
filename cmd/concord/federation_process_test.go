package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// TestFederationProcesses runs two datacenters of one server each, with a
// client agent in each, as real processes on 127.0.0.171-174 and checks
// the "Done means": WAN membership, health, DNS, KV and blocking
// queries on dc2 from a dc1 client, events across, and dc2's servers
// killed and restarted.
func TestFederationProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("process federation test skipped in -short mode")
	}
	runFederation(t, 1, []string{"127.0.0.171", "127.0.0.172", "127.0.0.173", "127.0.0.174"})
}

// TestFederationProcesses3x3 is the same with three servers per
// datacenter (127.0.0.171-178): members -wan lists all six, and killing
// all three of dc2's servers is what "every dc2 server" means. It takes
// about 8 s on an idle 2-core machine, so it runs with the others.
func TestFederationProcesses3x3(t *testing.T) {
	if testing.Short() {
		t.Skip("process federation test skipped in -short mode")
	}
	runFederation(t, 3, []string{"127.0.0.171", "127.0.0.172", "127.0.0.173", "127.0.0.174",
		"127.0.0.175", "127.0.0.176", "127.0.0.177", "127.0.0.178"})
}

// fedDC is one datacenter of runFederation.
type fedDC struct {
	name    string
	servers []*node
	client  *node
}

// runFederation lays out ips as dc1's n servers, dc1's client, dc2's n
// servers, dc2's client. Every server retry-joins its own servers on the
// LAN and every server of the other datacenter on the WAN, so restarts
// need no operator.
func runFederation(t *testing.T, n int, ips []string) {
	requireLoopbackAliases(t, ips...)
	dcIPs := [][]string{ips[:n+1], ips[n+1:]}
	var all []string
	for _, d := range dcIPs {
		all = append(all, d[:n]...)
	}
	var dcs []fedDC
	for i, d := range dcIPs {
		name := fmt.Sprintf("dc%d", i+1)
		var wanJoins []string
		for _, ip := range all {
			wanJoins = append(wanJoins, "-retry-join-wan", ip)
		}
		wanJoins = append(wanJoins, "-retry-interval-wan", "500ms")
		dc := fedDC{name: name}
		for j, ip := range d[:n] {
			args := append([]string{"-server", "-datacenter", name, "-bootstrap-expect", fmt.Sprint(n)}, joinArgs(d[:n]...)...)
			dc.servers = append(dc.servers, newNode(t, fmt.Sprintf("s%d", j+1), ip, append(args, wanJoins...)...))
		}
		dc.client = newNode(t, "c-"+name, d[n], append([]string{"-datacenter", name}, joinArgs(d[:n]...)...)...)
		dcs = append(dcs, dc)
	}
	for _, dc := range dcs {
		for _, s := range dc.servers {
			s.start()
		}
		dc.client.start()
	}
	dc1, dc2 := dcs[0], dcs[1]
	for _, dc := range dcs {
		for _, s := range dc.servers {
			eventually(t, 60*time.Second, s.name+" of "+dc.name+" knows a leader", func() error {
				_, err := leaderOf(s)
				return err
			})
		}
	}

	// members -wan on a dc1 server lists every server of both, NODE.DC.
	eventually(t, 60*time.Second, "members -wan lists every server alive", func() error {
		out, err := exec.Command(concordBinary(t), "members", "-wan", "-http-addr", dc1.servers[0].ip+":8500").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		for _, dc := range dcs {
			for _, s := range dc.servers {
				line := lineWith(string(out), s.name+"."+dc.name)
				if !strings.Contains(line, "alive") {
					return fmt.Errorf("no alive %s.%s in\n%s", s.name, dc.name, out)
				}
			}
		}
		return nil
	})
	c1 := dc1.client.client()
	c2 := dc2.client.client()
	eventually(t, 60*time.Second, "the dc1 client lists both datacenters", func() error {
		got, err := c1.Catalog().Datacenters()
		if err != nil || len(got) != 2 || got[0] != "dc1" || got[1] != "dc2" {
			return fmt.Errorf("%v, %v", got, err)
		}
		return nil
	})

	// web registered on dc2's client agent, its TTL check passing.
	if err := c2.Agent().ServiceRegister(&api.AgentServiceRegistration{
		Name: "web", Port: 80, Tags: []string{"v1"},
		Check: &api.AgentServiceCheck{CheckID: "web-ttl", TTL: "10m", Status: api.HealthPassing},
	}); err != nil {
		t.Fatal(err)
	}
	dc2Opts := &api.QueryOptions{Datacenter: "dc2"}
	eventually(t, 30*time.Second, "dc1's client sees dc2's passing web", func() error {
		entries, _, err := c1.Health().Service("web", "", true, dc2Opts)
		if err != nil {
			return err
		}
		if len(entries) != 1 || entries[0].Node.Node != "c-dc2" || entries[0].Node.Address != dc2.client.ip {
			return fmt.Errorf("entries %+v", entries)
		}
		return nil
	})

	// DNS on dc1's client, with miekg/dns and, where present, dig. DNS
	// reads are stale (dns_config.allow_stale), so a dc2 follower may
	// answer before it has the registration: ask until it has.
	dnsAddr := dc1.client.ip + ":8600"
	eventually(t, 30*time.Second, "DNS on dc1's client answers dc2's names", func() error {
		for _, q := range []string{"web.service.dc2.consul", "v1.web.service.dc2.consul", "c-dc2.node.dc2.consul"} {
			m := new(dns.Msg)
			m.SetQuestion(q+".", dns.TypeA)
			resp, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, dnsAddr)
			if err != nil || resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 || !strings.Contains(resp.Answer[0].String(), dc2.client.ip) {
				return fmt.Errorf("%s: %v %v", q, resp, err)
			}
		}
		return digDC2(t, dc1.client.ip, dc2.client.ip)
	})

	// A KV write with ?dc=dc2 from dc1 lands in dc2 only.
	if _, err := c1.KV().Put(&api.KVPair{Key: "fed/where", Value: []byte("dc2")}, &api.WriteOptions{Datacenter: "dc2"}); err != nil {
		t.Fatal(err)
	}
	if p, _, err := c2.KV().Get("fed/where", nil); err != nil || p == nil || string(p.Value) != "dc2" {
		t.Fatalf("dc2 reads %v, %v", p, err)
	}
	if p, _, err := c1.KV().Get("fed/where", nil); err != nil || p != nil {
		t.Fatalf("dc1 reads %v, %v", p, err)
	}

	// A blocking query on dc2 through dc1 wakes on a dc2 change.
	_, meta, err := c1.KV().Get("fed/where", dc2Opts)
	if err != nil {
		t.Fatal(err)
	}
	woke := make(chan error, 1)
	go func() {
		cfg := api.DefaultConfig()
		cfg.Address = dc1.client.ip + ":8500"
		c, _ := api.NewClient(cfg)
		p, m, err := c.KV().Get("fed/where", &api.QueryOptions{Datacenter: "dc2", WaitIndex: meta.LastIndex, WaitTime: 60 * time.Second})
		switch {
		case err != nil:
			woke <- err
		case p == nil || string(p.Value) != "dc2-later" || m.LastIndex <= meta.LastIndex:
			woke <- fmt.Errorf("woke with %v at %d", p, m.LastIndex)
		default:
			woke <- nil
		}
	}()
	time.Sleep(500 * time.Millisecond)
	if _, err := c2.KV().Put(&api.KVPair{Key: "fed/where", Value: []byte("dc2-later")}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-woke:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the blocking query through dc1 did not wake on dc2's change")
	}

	// An event fired from dc1 for dc2 reaches dc2's client.
	id, _, err := c1.Event().Fire(&api.UserEvent{Name: "fed-deploy"}, &api.WriteOptions{Datacenter: "dc2"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the event reaches dc2's client", func() error {
		evs, _, err := c2.Event().List("fed-deploy", nil)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.ID == id {
				return nil
			}
		}
		return errors.New("not yet")
	})

	// With several dc2 servers, one killed is failed over: every read
	// from dc1 is still answered (after an election when it led), even
	// by a dc1 server that stuck to the dead one.
	if n > 1 {
		dc2.servers[0].kill()
		eventually(t, 60*time.Second, "dc2 reads through dc1 with one dc2 server dead", func() error {
			for i := 0; i < 5; i++ {
				if _, _, err := c1.KV().Get("fed/where", dc2Opts); err != nil {
					return err
				}
			}
			return nil
		})
	}

	// Kill every dc2 server: dc1 keeps working, dc2 fails fast.
	for _, s := range dc2.servers {
		s.kill()
	}
	for i := 0; i < 3; i++ {
		if _, err := c1.KV().Put(&api.KVPair{Key: "fed/dc1", Value: []byte("ok")}, nil); err != nil {
			t.Fatalf("dc1 write with dc2 down: %v", err)
		}
		start := time.Now()
		_, _, err := c1.KV().Get("fed/where", dc2Opts)
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "datacenter") || took > 10*time.Second {
			t.Fatalf("dc2 read with its servers down: %v after %v", err, took)
		}
		t.Logf("dc2 down: answered in %v: %v", took.Round(time.Millisecond), err)
	}

	// Restart them: queries work again without operator action.
	for _, s := range dc2.servers {
		s.start()
	}
	eventually(t, 90*time.Second, "dc2 answers through dc1 after its servers restart", func() error {
		p, _, err := c1.KV().Get("fed/where", dc2Opts)
		if err != nil {
			return err
		}
		if p == nil || string(p.Value) != "dc2-later" {
			return fmt.Errorf("read %v", p)
		}
		return nil
	})
}

// lineWith returns the first line of out containing s, or "".
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// digDC2 asks dig for dc2's web through dc1's client.
func digDC2(t *testing.T, dnsIP, want string) error {
	t.Helper()
	return digName(t, dnsIP, "web.service.dc2.consul", want)
}

// digName asks dig for name's A records at dnsIP:8600 and wants want
// among them. Without dig it skips that part, unless CONCORD_E2E=1 (the
// CI, which installs dnsutils).
func digName(t *testing.T, dnsIP, name, want string) error {
	t.Helper()
	dig, err := exec.LookPath("dig")
	if err != nil {
		if os.Getenv("CONCORD_E2E") == "1" {
			t.Fatal("dig is not on PATH and CONCORD_E2E=1: install dnsutils")
		}
		t.Log("dig is not on PATH (install dnsutils); the miekg/dns queries stand in for it")
		return nil
	}
	out, err := exec.Command(dig, "@"+dnsIP, "-p", "8600", "+time=3", "+tries=1", name).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "status: NOERROR") || !strings.Contains(string(out), want) {
		return fmt.Errorf("dig %s: %v\n%s", name, err, out)
	}
	return nil
}
