package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

const e2eToken = "5f0c8a2e-7d3b-4c1a-9e6f-2b8d4a1c0e93"

// The cluster's agents, one loopback address each, all with the same
// HTTP port, as a fleet of VMs has.
var e2eIPs = map[string]string{"s1": "127.0.0.131", "c1": "127.0.0.132", "c2": "127.0.0.133"}

// startFleet starts one server and two clients with ACLs on (default
// deny) and returns the HTTP port they share.
func startFleet(t *testing.T) (port int, clients []*agent.Agent) {
	t.Helper()
	for _, ip := range e2eIPs {
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Skipf("loopback address %s is not usable here: %v", ip, err)
		}
		ln.Close()
	}
	port = freePort(t, e2eIPs["s1"])
	_, clients = agenttest.StartClusterWith(t, 1, 2, func(cfg *config.Config) {
		ip := e2eIPs[cfg.NodeName]
		cfg.BindAddr, cfg.AdvertiseAddr, cfg.ClientAddrs = ip, ip, []string{ip}
		cfg.Ports.HTTP = port
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = e2eToken
		cfg.ACL.Tokens.Agent = e2eToken
	})
	return port, clients
}

func freePort(t *testing.T, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// scrapeConfig reads one of deploy/prometheus's configurations and
// points it at the test fleet: the agent address, the token file, and
// 1 s intervals. Each replacement must apply, so the test notices when
// the file changes shape.
func scrapeConfig(t *testing.T, name string, port int, tokenFile string, extra ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("prometheus", name))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	agentAddr := fmt.Sprintf("%s:%d", e2eIPs["s1"], port)
	repl := append([]string{
		"127.0.0.1:8500", agentAddr,
		"/etc/prometheus/concord-token", tokenFile,
		"scrape_interval: 15s", "scrape_interval: 1s",
		"refresh_interval: 30s", "refresh_interval: 1s",
	}, extra...)
	for i := 0; i < len(repl); i += 2 {
		if !strings.Contains(text, repl[i]) {
			t.Fatalf("%s no longer contains %q", name, repl[i])
		}
		text = strings.ReplaceAll(text, repl[i], repl[i+1])
	}
	return text
}

type targetsReply struct {
	Status string `json:"status"`
	Data   struct {
		ActiveTargets []struct {
			Labels    map[string]string `json:"labels"`
			ScrapeURL string            `json:"scrapeUrl"`
			Health    string            `json:"health"`
			LastError string            `json:"lastError"`
		} `json:"activeTargets"`
	} `json:"data"`
}

// runPrometheus starts bin with config and waits (60 s at most) until
// every agent of the fleet is an "up" target scraped at
// /v1/agent/metrics?format=prometheus.
func runPrometheus(t *testing.T, bin, config string, port int) {
	t.Helper()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	web := fmt.Sprintf("127.0.0.1:%d", freePort(t, "127.0.0.1"))
	var logs bytes.Buffer
	var mu sync.Mutex
	cmd := exec.Command(bin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+web, "--log.level=debug")
	cmd.Stdout = lockedBuffer{&mu, &logs}
	cmd.Stderr = lockedBuffer{&mu, &logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			out := logs.String()
			mu.Unlock()
			if len(out) > 8000 {
				out = out[len(out)-8000:]
			}
			t.Logf("---- prometheus log tail ----\n%s", out)
		}
	})

	want := map[string]bool{}
	for _, ip := range e2eIPs {
		want[fmt.Sprintf("%s:%d", ip, port)] = true
	}
	var last string
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for i := 0; time.Now().Before(deadline) && i < 1000; i++ {
		time.Sleep(500 * time.Millisecond)
		resp, err := http.Get("http://" + web + "/api/v1/targets?state=active")
		if err != nil {
			last = err.Error()
			continue
		}
		var tr targetsReply
		err = json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		if err != nil {
			last = err.Error()
			continue
		}
		up := map[string]bool{}
		var states []string
		for _, at := range tr.Data.ActiveTargets {
			states = append(states, fmt.Sprintf("%s %s %s %q", at.Labels["instance"], at.Health, at.ScrapeURL, at.LastError))
			if at.Health == "up" && strings.Contains(at.ScrapeURL, "/v1/agent/metrics?format=prometheus") &&
				at.Labels["node"] != "" && at.Labels["datacenter"] == "dc1" {
				up[at.Labels["instance"]] = true
			}
		}
		last = strings.Join(states, "; ")
		if len(up) == len(want) && len(tr.Data.ActiveTargets) == len(want) {
			for addr := range want {
				if !up[addr] {
					goto again
				}
			}
			t.Logf("every agent is an up target %v after Prometheus started: %s", time.Since(start).Round(time.Millisecond), last)
			return
		}
	again:
	}
	t.Fatalf("not every agent became an up target within 60 s; last: %s", last)
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func writeToken(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "concord-token")
	if err := os.WriteFile(p, []byte(e2eToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPrometheusHTTPSD: Debian's prometheus, with
// deploy/prometheus/prometheus-http-sd.yml, discovers the three agents
// of a live cluster through /v1/catalog/prometheus-targets and scrapes
// each, with ACLs on and the token sent as a bearer token.
func TestPrometheusHTTPSD(t *testing.T) {
	bin := need(t, "prometheus", "prometheus")
	port, _ := startFleet(t)
	runPrometheus(t, bin, scrapeConfig(t, "prometheus-http-sd.yml", port, writeToken(t)), port)
}

// TestPrometheusConsulSD: upstream Prometheus 2.55.1 built by
// prometheus/build-prometheus.sh, with prometheus-consul-sd.yml,
// discovers the agents through its Consul discovery against concord. It
// needs the cached binary, which .ci/run builds (minutes the first time,
// seconds once cached): without it the test skips, and under
// CONCORD_E2E=1 it fails.
func TestPrometheusConsulSD(t *testing.T) {
	cache := os.Getenv("CONCORD_E2E_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skip("no home directory for the cached Prometheus build")
		}
		cache = filepath.Join(home, ".cache", "concord-e2e")
	}
	bin := filepath.Join(cache, "prometheus-v0.55.1-consul")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CONCORD_E2E") == "1" {
			t.Fatalf("no %s and CONCORD_E2E=1: run deploy/prometheus/build-prometheus.sh", bin)
		}
		t.Skipf("no %s: run deploy/prometheus/build-prometheus.sh to build Prometheus 2.55.1 with Consul discovery (several minutes)", bin)
	}
	port, clients := startFleet(t)
	// consul_sd finds nodes through their services: the server has
	// "consul"; each client VM runs one.
	for i, c := range clients {
		cfg := api.DefaultConfig()
		cfg.Address = c.HTTPAddrs()[0].String()
		cfg.Token = e2eToken
		client, err := api.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", ID: "web" + strconv.Itoa(i), Port: 8080}); err != nil {
			t.Fatal(err)
		}
	}
	config := scrapeConfig(t, "prometheus-consul-sd.yml", port, writeToken(t), "${1}:8500", fmt.Sprintf("${1}:%d", port))
	runPrometheus(t, bin, config, port)
}
