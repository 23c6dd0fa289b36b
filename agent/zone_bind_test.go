package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

// These tests run BIND (Debian's bind9) on loopback as the secondary of
// concord's exported zone, and as a primary taking its RFC 2136 updates.
// Without named they skip, unless CONCORD_E2E=1 (the CI installs bind9).

func needNamed(t *testing.T) string {
	t.Helper()
	named, err := exec.LookPath("named")
	if err != nil {
		for _, p := range []string{"/usr/sbin/named", "/usr/local/sbin/named"} {
			if _, serr := os.Stat(p); serr == nil {
				return p
			}
		}
		if os.Getenv("CONCORD_E2E") == "1" {
			t.Fatal("named is not installed and CONCORD_E2E=1: install bind9")
		}
		t.Skip("named is not installed (install bind9); CONCORD_E2E=1 makes this a failure")
	}
	return named
}

// freePort finds a port free for both TCP and UDP on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNamed runs named in the foreground with the options and zones
// given, in its own directory, on 127.0.0.1:port, until the test ends.
func startNamed(t *testing.T, dir string, port int, zones string) *syncBuf {
	t.Helper()
	named := needNamed(t)
	conf := filepath.Join(dir, "named.conf")
	text := fmt.Sprintf(`options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	session-keyfile "%[1]s/session.key";
	managed-keys-directory "%[1]s";
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	dnssec-validation no;
	notify no;
	min-refresh-time 1;
	min-retry-time 1;
};
controls { };
%[3]s
`, dir, port, zones)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &syncBuf{}
	cmd := exec.Command(named, "-g", "-n", "1", "-c", conf)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("named's log:\n%s", out.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	agenttest.WaitFor(t, 30*time.Second, "named to answer", func() error {
		select {
		case <-done:
			t.Fatalf("named exited:\n%s", out.String())
		default:
		}
		_, err := exchange(addr, "udp", "version.bind.", dns.TypeTXT, dns.ClassCHAOS)
		return err
	})
	return out
}

func exchange(addr, netw, name string, qtype, class uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.Question[0].Qclass = class
	c := &dns.Client{Net: netw, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr)
	return r, err
}

// aRecords are the A answers of name at addr, sorted ("" on failure).
func aRecords(addr, name string) ([]string, error) {
	r, err := exchange(addr, "udp", name, dns.TypeA, dns.ClassINET)
	if err != nil {
		return nil, err
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("%s", dns.RcodeToString[r.Rcode])
	}
	var out []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	slices.Sort(out)
	return out, nil
}

func soaSerial(addr, zone string) (uint32, error) {
	r, err := exchange(addr, "udp", zone, dns.TypeSOA, dns.ClassINET)
	if err != nil {
		return 0, err
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("no SOA (%s)", dns.RcodeToString[r.Rcode])
}

func waitA(t *testing.T, addr, name string, want ...string) {
	t.Helper()
	agenttest.WaitFor(t, 45*time.Second, fmt.Sprintf("%s at %s to be %v", name, addr, want), func() error {
		got, err := aRecords(addr, name)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("A records %v", got)
		}
		return nil
	})
}

// TestZoneTransferToBIND: BIND, a secondary of concord's geant.services,
// transfers the zone; both healthy crowd instances resolve at BIND; a
// failed one leaves BIND within NOTIFY plus min_stable; a check flapping
// every second never changes the serial.
func TestZoneTransferToBIND(t *testing.T) {
	needNamed(t)
	bindPort := freePort(t)
	bindAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(bindPort))
	const minStable = 2 * time.Second
	a, dnsAddr, c := startDNSDev(t, func(cfg *config.Config) {
		cfg.DNS.ZoneTransfer = config.ZoneTransferConfig{Zone: "geant.services", Allow: []string{"127.0.0.1/32"},
			AlsoNotify: []string{bindAddr}, MinStable: minStable, TTL: 5 * time.Second}
		cfg.DNS.SOA = config.DNSSOA{Refresh: 3600, Retry: 600, Expire: 86400}
	})
	_ = a
	register(t, c, "prod-crowd01", "1.1.1.10", "crowd", 8095, nil, api.HealthPassing)
	register(t, c, "prod-crowd02", "1.1.1.11", "crowd", 8095, nil, api.HealthPassing)
	register(t, c, "flappy01", "1.1.1.20", "flappy", 80, nil, api.HealthPassing)
	// The first view of the catalog is published at once, later changes
	// after min_stable: wait until concord itself serves both.
	waitA(t, dnsAddr, "crowd.geant.services", "1.1.1.10", "1.1.1.11")
	waitA(t, dnsAddr, "flappy.geant.services", "1.1.1.20")

	// Transfers: allowed from 127.0.0.1, refused from 127.0.0.3.
	ax := &dns.Msg{}
	ax.SetAxfr("geant.services.")
	env, err := new(dns.Transfer).In(ax, dnsAddr)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for e := range env {
		if e.Error != nil {
			t.Fatalf("AXFR: %v", e.Error)
		}
		n += len(e.RR)
	}
	if n < 8 {
		t.Errorf("AXFR gave %d records", n)
	}
	other := &dns.Client{Net: "tcp", Timeout: 3 * time.Second,
		Dialer: &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 3)}}}
	if r, _, err := other.Exchange(ax, dnsAddr); err != nil || r.Rcode != dns.RcodeRefused {
		t.Errorf("AXFR from 127.0.0.3: %v %v, want REFUSED", r, err)
	}

	dir := t.TempDir()
	_, concordPort, _ := net.SplitHostPort(dnsAddr)
	startNamed(t, dir, bindPort, fmt.Sprintf(`zone "geant.services" {
	type secondary;
	primaries port %s { 127.0.0.1; };
	file "%s/geant.services.db";
	allow-notify { 127.0.0.1; };
};`, concordPort, dir))
	waitA(t, bindAddr, "crowd.geant.services", "1.1.1.10", "1.1.1.11")
	if got := answersOf(t, bindAddr, "_crowd._tcp.geant.services", dns.TypeSRV); !slices.Equal(got,
		[]string{"8095 prod-crowd01.crowd.geant.services.", "8095 prod-crowd02.crowd.geant.services."}) {
		t.Errorf("SRV at BIND: %v", got)
	}

	// crowd02 fails: BIND drops it within min_stable plus the NOTIFY and
	// transfer (bounded generously: the machine is shared).
	serialBefore, err := soaSerial(bindAddr, "geant.services")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	register(t, c, "prod-crowd02", "1.1.1.11", "crowd", 8095, nil, api.HealthCritical)
	waitA(t, bindAddr, "crowd.geant.services", "1.1.1.10")
	took := time.Since(start)
	t.Logf("crowd02 left BIND %v after its check failed (min_stable %v)", took, minStable)
	if took < minStable {
		t.Errorf("crowd02 left after %v, before min_stable %v", took, minStable)
	}
	if took > minStable+10*time.Second {
		t.Errorf("crowd02 left after %v, want within min_stable + NOTIFY (10 s margin)", took)
	}
	serialFailed, err := soaSerial(bindAddr, "geant.services")
	if err != nil || serialFailed <= serialBefore {
		t.Fatalf("serial at BIND %d (before %d), %v", serialFailed, serialBefore, err)
	}

	// flappy's check flips every second for 8 s: neither concord's
	// serial nor BIND's moves, and flappy stays.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	status := api.HealthCritical
	for ctx.Err() == nil {
		register(t, c, "flappy01", "1.1.1.20", "flappy", 80, nil, status)
		if status == api.HealthCritical {
			status = api.HealthPassing
		} else {
			status = api.HealthCritical
		}
		for _, addr := range []string{dnsAddr, bindAddr} {
			if s, err := soaSerial(addr, "geant.services"); err == nil && s != serialFailed {
				t.Fatalf("serial at %s moved to %d while flappy flapped (was %d)", addr, s, serialFailed)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	register(t, c, "flappy01", "1.1.1.20", "flappy", 80, nil, api.HealthPassing)
	if got, err := aRecords(bindAddr, "flappy.geant.services"); err != nil || !slices.Equal(got, []string{"1.1.1.20"}) {
		t.Errorf("flappy at BIND after flapping: %v %v", got, err)
	}
}

func answersOf(t *testing.T, addr, name string, qtype uint16) []string {
	t.Helper()
	r, err := exchange(addr, "tcp", name, qtype, dns.ClassINET)
	if err != nil {
		t.Fatal(err)
	}
	return answers(r)
}

// TestZoneUpdateToBIND: BIND is the primary of geant.services and concord
// pushes the records by RFC 2136: without TSIG (BIND allows 127.0.0.1),
// and with a TSIG key (BIND allows only that key, and refuses an unsigned
// update).
func TestZoneUpdateToBIND(t *testing.T) {
	needNamed(t)
	const secret = "c2VjcmV0LWtleS1mb3ItY29uY29yZC10ZXN0cw=="
	for _, tc := range []struct {
		name    string
		tsig    bool
		allowUp string
		keys    string
	}{
		{"no TSIG", false, "127.0.0.1;", ""},
		{"TSIG", true, `key "concord-update";`, `key "concord-update" { algorithm hmac-sha256; secret "` + secret + `"; };`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			port := freePort(t)
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			// crowd's 9.9.9.9 is left over from an earlier run whose state
			// is lost: the first push of crowd's A RRset replaces it whole.
			zoneFile := "$TTL 60\n@ IN SOA ns.geant.services. hostmaster.geant.services. 1 3600 600 86400 60\n" +
				"@ IN NS ns.geant.services.\nns IN A 127.0.0.1\ncrowd IN A 9.9.9.9\n"
			if err := os.WriteFile(filepath.Join(dir, "geant.services.db"), []byte(zoneFile), 0o644); err != nil {
				t.Fatal(err)
			}
			startNamed(t, dir, port, fmt.Sprintf(`%s
zone "geant.services" {
	type primary;
	file "%s/geant.services.db";
	allow-update { %s };
};`, tc.keys, dir, tc.allowUp))
			if tc.tsig {
				// Unsigned updates are refused by this primary.
				m := new(dns.Msg)
				m.SetUpdate("geant.services.")
				rr, _ := dns.NewRR("evil.geant.services. 60 IN A 6.6.6.6")
				m.Insert([]dns.RR{rr})
				r, _, err := (&dns.Client{Net: "tcp", Timeout: 3 * time.Second}).Exchange(m, addr)
				if err != nil || r.Rcode != dns.RcodeRefused {
					t.Fatalf("unsigned update: %v %v, want REFUSED", r, err)
				}
			}
			// DNS stays off (ports.dns = -1): pushes need no DNS port.
			_, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
				cfg.DNS.ZoneTransfer = config.ZoneTransferConfig{Zone: "geant.services", MinStable: time.Second, TTL: 5 * time.Second}
				cfg.DNS.ZoneUpdate = config.ZoneUpdateConfig{Primary: addr}
				if tc.tsig {
					cfg.DNS.ZoneUpdate.TSIGKeyName, cfg.DNS.ZoneUpdate.TSIGSecret = "concord-update", secret
				}
			})
			register(t, c, "prod-crowd01", "1.1.1.10", "crowd", 8095, nil, api.HealthPassing)
			register(t, c, "prod-crowd02", "1.1.1.11", "crowd", 8095, nil, api.HealthPassing)
			waitA(t, addr, "crowd.geant.services", "1.1.1.10", "1.1.1.11")
			register(t, c, "prod-crowd02", "1.1.1.11", "crowd", 8095, nil, api.HealthCritical)
			waitA(t, addr, "crowd.geant.services", "1.1.1.10")
			if got := answersOf(t, addr, "_crowd._tcp.geant.services", dns.TypeSRV); !slices.Equal(got,
				[]string{"8095 prod-crowd01.crowd.geant.services."}) {
				t.Errorf("SRV at the primary: %v", got)
			}
		})
	}
}

// TestZoneExportReload: a reload starts, changes and stops the export.
func TestZoneExportReload(t *testing.T) {
	a, dnsAddr, c := startDNSDev(t, nil)
	register(t, c, "prod-crowd01", "1.1.1.10", "crowd", 8095, nil, api.HealthPassing)
	axfr := func(zone string) (int, error) {
		m := new(dns.Msg)
		m.SetAxfr(zone)
		r, _, err := (&dns.Client{Net: "tcp", Timeout: 3 * time.Second}).Exchange(m, dnsAddr)
		if err != nil {
			return 0, err
		}
		return r.Rcode, nil
	}
	if rcode, err := axfr("geant.services."); err != nil || rcode == dns.RcodeSuccess {
		t.Fatalf("AXFR before any export: %v %v", dns.RcodeToString[rcode], err)
	}
	reload := func(zt config.ZoneTransferConfig) {
		t.Helper()
		next := agenttest.DevConfig()
		next.Ports.DNS = 0
		next.DNS.ZoneTransfer = zt
		a.SetConfigLoader(func() (*config.Config, error) { return next, nil })
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	reload(config.ZoneTransferConfig{Zone: "geant.services", Allow: []string{"127.0.0.0/8"}})
	waitA(t, dnsAddr, "crowd.geant.services", "1.1.1.10")
	if rcode, err := axfr("geant.services."); err != nil || rcode != dns.RcodeSuccess {
		t.Errorf("AXFR after the reload: %v %v", dns.RcodeToString[rcode], err)
	}
	reload(config.ZoneTransferConfig{Zone: "example.services", Allow: []string{"10.0.0.0/8"}})
	waitA(t, dnsAddr, "crowd.example.services", "1.1.1.10")
	if rcode, err := axfr("example.services."); err != nil || rcode != dns.RcodeRefused {
		t.Errorf("AXFR from outside the new allow list: %v %v, want REFUSED", dns.RcodeToString[rcode], err)
	}
	reload(config.ZoneTransferConfig{})
	if r, err := exchange(dnsAddr, "udp", "crowd.example.services", dns.TypeA, dns.ClassINET); err != nil || r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
		t.Errorf("the removed zone still answers: %v %v", r, err)
	}
}
