package agent_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// register puts one instance of service on node (address addr) in the
// catalog, with a service check in status.
func register(t *testing.T, c *api.Client, node, addr, service string, port int, tags []string, status string) {
	t.Helper()
	reg := &api.CatalogRegistration{
		Node:    node,
		Address: addr,
		Service: &api.AgentService{ID: service + "-" + node, Service: service, Port: port, Tags: tags},
		Check: &api.AgentCheck{CheckID: service + "-" + node + "-check", Name: "check", Status: status,
			ServiceID: service + "-" + node},
	}
	if _, err := c.Catalog().Register(reg, nil); err != nil {
		t.Fatalf("register %s on %s: %v", service, node, err)
	}
}

// ask sends one question over net ("udp" or "tcp").
func ask(t *testing.T, netw, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: netw, Timeout: 3 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", netw, name, dns.TypeToString[qtype], err)
	}
	return resp
}

func answers(m *dns.Msg) []string {
	out := []string{}
	for _, rr := range m.Answer {
		switch x := rr.(type) {
		case *dns.A:
			out = append(out, x.A.String())
		case *dns.SRV:
			out = append(out, fmt.Sprintf("%d %s", x.Port, x.Target))
		default:
			out = append(out, rr.String())
		}
	}
	slices.Sort(out)
	return out
}

// startDNSDev starts a dev agent serving DNS on an ephemeral port and
// returns it, its DNS address and an API client.
func startDNSDev(t *testing.T, tune func(*config.Config)) (*agent.Agent, string, *api.Client) {
	t.Helper()
	a, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Ports.DNS = 0
		if tune != nil {
			tune(cfg)
		}
	})
	addrs := a.DNSAddrs()
	if len(addrs) != 1 {
		t.Fatalf("DNS addresses %v", addrs)
	}
	return a, addrs[0].String(), c
}

// upstreamDNS is a recursor on 127.0.0.1 answering every A query with
// 192.0.2.7.
func upstreamDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 30},
			A: net.IPv4(192, 0, 2, 7)}}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestDNSEndToEnd(t *testing.T) {
	up := upstreamDNS(t)
	_, addr, c := startDNSDev(t, func(cfg *config.Config) { cfg.Recursors = []string{up} })
	register(t, c, "db1", "10.0.0.1", "mariadb", 3306, []string{"primary"}, "passing")
	register(t, c, "db2", "10.0.0.2", "mariadb", 3306, []string{"replica"}, "passing")
	register(t, c, "db3", "10.0.0.3", "mariadb", 3306, []string{"replica"}, "critical")
	for i := 0; i < 60; i++ {
		register(t, c, fmt.Sprintf("big%d", i), fmt.Sprintf("10.0.1.%d", i+1), "big", 80, nil, "passing")
	}

	for _, netw := range []string{"udp", "tcp"} {
		if got := answers(ask(t, netw, addr, "mariadb.service.consul", dns.TypeA)); !slices.Equal(got, []string{"10.0.0.1", "10.0.0.2"}) {
			t.Errorf("%s: mariadb A %v, want the 2 healthy instances", netw, got)
		}
		if got := answers(ask(t, netw, addr, "MariaDB.service.dc1.consul", dns.TypeA)); !slices.Equal(got, []string{"10.0.0.1", "10.0.0.2"}) {
			t.Errorf("%s: MariaDB A with dc %v", netw, got)
		}
		if got := answers(ask(t, netw, addr, "replica.mariadb.service.consul", dns.TypeA)); !slices.Equal(got, []string{"10.0.0.2"}) {
			t.Errorf("%s: tag form %v", netw, got)
		}
		if got := answers(ask(t, netw, addr, "_mariadb._tcp.service.consul", dns.TypeSRV)); !slices.Equal(got,
			[]string{"3306 db1.node.dc1.consul.", "3306 db2.node.dc1.consul."}) {
			t.Errorf("%s: RFC 2782 _tcp %v", netw, got)
		}
		srv := ask(t, netw, addr, "_mariadb._primary.service.consul", dns.TypeSRV)
		if got := answers(srv); !slices.Equal(got, []string{"3306 db1.node.dc1.consul."}) {
			t.Fatalf("%s: RFC 2782 tag %v", netw, got)
		}
		if len(srv.Extra) != 1 || !strings.Contains(srv.Extra[0].String(), "10.0.0.1") {
			t.Errorf("%s: SRV additional %v", netw, srv.Extra)
		}
		// The SRV target resolves.
		if got := answers(ask(t, netw, addr, srv.Answer[0].(*dns.SRV).Target, dns.TypeA)); !slices.Equal(got, []string{"10.0.0.1"}) {
			t.Errorf("%s: SRV target resolves to %v", netw, got)
		}
		nx := ask(t, netw, addr, "nope.service.consul", dns.TypeA)
		if nx.Rcode != dns.RcodeNameError || len(nx.Ns) != 1 || nx.Ns[0].Header().Rrtype != dns.TypeSOA {
			t.Errorf("%s: unknown name: %v", netw, nx)
		}
		fw := ask(t, netw, addr, "www.example.com", dns.TypeA)
		if got := answers(fw); !slices.Equal(got, []string{"192.0.2.7"}) || !fw.RecursionAvailable {
			t.Errorf("%s: recursor answer %v", netw, fw)
		}
	}

	udp := ask(t, "udp", addr, "big.service.consul", dns.TypeA)
	buf, _ := udp.Pack()
	if !udp.Truncated || len(udp.Answer) == 0 || len(udp.Answer) >= 60 || len(buf) > 512 {
		t.Errorf("60 instances over UDP: TC %v, %d answers, %d bytes", udp.Truncated, len(udp.Answer), len(buf))
	}
	tcp := ask(t, "tcp", addr, "big.service.consul", dns.TypeA)
	if tcp.Truncated || len(tcp.Answer) != 60 {
		t.Errorf("60 instances over TCP: TC %v, %d answers", tcp.Truncated, len(tcp.Answer))
	}
}

func TestDNSMalformedQueries(t *testing.T) {
	_, addr, _ := startDNSDev(t, nil)
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	five := new(dns.Msg)
	five.SetQuestion("a.service.consul.", dns.TypeA)
	for i := 0; i < 4; i++ {
		five.Question = append(five.Question, five.Question[0])
	}
	fiveBuf, _ := five.Pack()
	none := new(dns.Msg)
	none.Id = 7
	noneBuf, _ := none.Pack()
	long := make([]byte, 12, 600)
	long[5] = 1 // one question
	for i := 0; i < 9; i++ {
		long = append(long, 63)
		long = append(long, []byte(strings.Repeat("a", 63))...)
	}
	long = append(long, 0, 0, 1, 0, 1)
	for name, pkt := range map[string][]byte{
		"garbage":        []byte("\x00\x01not dns at all"),
		"short":          {0x12},
		"five questions": fiveBuf,
		"no question":    noneBuf,
		"name too long":  long,
	} {
		conn.Write(pkt)
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		resp := make([]byte, 1024)
		n, err := conn.Read(resp)
		if err != nil {
			continue // silence is an acceptable answer
		}
		m := new(dns.Msg)
		if m.Unpack(resp[:n]) == nil && m.Rcode == dns.RcodeSuccess {
			t.Errorf("%s: answered NOERROR", name)
		}
	}
	// Still serving.
	if m := ask(t, "udp", addr, "consul", dns.TypeSOA); len(m.Answer) != 1 {
		t.Fatalf("after malformed queries: %v", m)
	}
}

func TestDNSHidesWhatTheTokenMayNotRead(t *testing.T) {
	a, addr, _ := startDNSDev(t, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = rootToken
	})
	root, err := api.NewClient(&api.Config{Address: a.HTTPAddrs()[0].String(), Token: rootToken})
	if err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "the management token works", func() error {
		_, _, err := root.ACL().TokenReadSelf(nil)
		return err
	})
	register(t, root, "n1", "10.0.0.1", "web", 80, nil, "passing")
	register(t, root, "n2", "10.0.0.2", "secret", 80, nil, "passing")
	token := tokenWith(t, root, "dns", `service_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }
service "secret" { policy = "deny" }`)
	if err := a.SetAgentToken("dns", token); err != nil {
		t.Fatal(err)
	}
	if got := answers(ask(t, "udp", addr, "web.service.consul", dns.TypeA)); !slices.Equal(got, []string{"10.0.0.1"}) {
		t.Errorf("web: %v", got)
	}
	if m := ask(t, "udp", addr, "secret.service.consul", dns.TypeA); m.Rcode != dns.RcodeNameError || len(m.Answer) != 0 {
		t.Errorf("secret is visible: %v", m)
	}
	if got := answers(ask(t, "udp", addr, "n2.node.consul", dns.TypeA)); !slices.Equal(got, []string{"10.0.0.2"}) {
		t.Errorf("node n2: %v", got)
	}
}

// TestDNSDig runs the seeds' dig commands against an agent. Without dig
// it skips, unless CONCORD_E2E=1 (the CI, which installs dnsutils).
func TestDNSDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		if os.Getenv("CONCORD_E2E") == "1" {
			t.Fatal("dig is not on PATH and CONCORD_E2E=1: install dnsutils")
		}
		t.Skip("dig is not on PATH (install dnsutils); CONCORD_E2E=1 makes this a failure")
	}
	a, addr, c := startDNSDev(t, func(cfg *config.Config) { cfg.NodeName = "consul1" })
	_, port, _ := net.SplitHostPort(addr)
	register(t, c, "db1", "10.0.0.1", "mariadb", 3306, nil, "passing")
	register(t, c, "web1", "192.168.56.107", "nginx", 80, nil, "passing")
	register(t, c, "web2", "192.168.56.108", "nginx", 80, nil, "passing")
	register(t, c, "app1", "10.0.0.5", "animal-service", 8080, nil, "passing")
	agenttest.WaitFor(t, 10*time.Second, "the consul service", func() error {
		s, _, err := c.Catalog().Service("consul", "", nil)
		if err == nil && len(s) == 0 {
			err = fmt.Errorf("not registered yet")
		}
		return err
	})
	_ = a
	if _, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web",
		Service: api.ServiceQuery{Service: "nginx"}, DNS: api.QueryDNSOptions{TTL: "30s"}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"mariadb.service.consul"}, []string{"10.0.0.1"}},
		{[]string{"mariadb.service.consul", "ANY"}, []string{"10.0.0.1"}},
		{[]string{"db1.node.consul"}, []string{"10.0.0.1"}},
		{[]string{"db1.node.dc1.consul"}, []string{"10.0.0.1"}},
		{[]string{"mariadb.service.dc1.consul"}, []string{"10.0.0.1"}},
		{[]string{"nginx.service.consul", "ANY"}, []string{"192.168.56.107", "192.168.56.108"}},
		{[]string{"animal-service.service.consul"}, []string{"10.0.0.5"}},
		{[]string{"animal-service.service.consul", "SRV"}, []string{"8080", "app1.node.dc1.consul."}},
		{[]string{"consul.service.consul"}, []string{"127.0.0.1"}},
		{[]string{"web.query.consul"}, []string{"30\tIN\tA\t192.168.56.107", "30\tIN\tA\t192.168.56.108"}},
		{[]string{"web.query.dc1.consul", "SRV"}, []string{"80 web1.node.dc1.consul.", "80 web2.node.dc1.consul."}},
	} {
		args := append([]string{"@127.0.0.1", "-p", port, "+time=2", "+tries=1"}, tc.args...)
		out, err := exec.Command(dig, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("dig %v: %v\n%s", tc.args, err, out)
		}
		s := string(out)
		if !strings.Contains(s, "status: NOERROR") {
			t.Errorf("dig %v:\n%s", tc.args, s)
		}
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("dig %v: no %q in\n%s", tc.args, w, s)
			}
		}
	}
}
