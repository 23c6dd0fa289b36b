// Package agenttest starts in-process concord agents for tests in other
// packages: a dev server on ephemeral loopback ports, ready to serve.
package agenttest

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// DevConfig is a single-server, in-memory configuration on 127.0.0.1 with
// every port ephemeral, so any number of agents can run in one test binary.
func DevConfig() *config.Config {
	cfg := config.DefaultConfig()
	cfg.DevMode = true
	cfg.Server = true
	cfg.Bootstrap = true
	cfg.NodeName = "dev"
	cfg.BindAddr = "127.0.0.1"
	cfg.AdvertiseAddr = "127.0.0.1"
	cfg.ClientAddrs = []string{"127.0.0.1"}
	cfg.HTTPAddrs = nil
	cfg.Ports = config.Ports{HTTP: 0, HTTPS: -1, DNS: -1, SerfLAN: 0, SerfWAN: -1, Server: 0}
	return cfg
}

// StartDev starts a dev agent, waits until it leads and serves reads, and
// stops it when the test ends. It returns the agent, its HTTP address and
// a Consul API client for it.
func StartDev(t testing.TB) (*agent.Agent, string, *api.Client) {
	t.Helper()
	return StartDevWith(t, nil)
}

// StartDevWith is StartDev with tune applied to the configuration first;
// tune may be nil.
func StartDevWith(t testing.TB, tune func(*config.Config)) (*agent.Agent, string, *api.Client) {
	t.Helper()
	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{Level: hclog.Warn, Output: newTestWriter(t)})
	cfg := DevConfig()
	if tune != nil {
		tune(cfg)
	}
	a, err := agent.New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown() })
	addr := a.HTTPAddrs()[0].String()
	acfg := api.DefaultConfig()
	acfg.Address = addr
	c, err := api.NewClient(acfg)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		// A default-consistency read succeeds only once the leader has
		// caught up (its barrier), which is what "ready" means.
		if l, err := c.Status().Leader(); err == nil && l != "" {
			// With ACLs on and default deny the probe is refused, but only
			// a leader that has caught up gets as far as refusing it.
			if _, _, err := c.KV().Get("agenttest-ready-probe", nil); err == nil || strings.Contains(err.Error(), "403") {
				break
			}
		}
		if time.Now().After(deadline) || i > 1000 {
			t.Fatal("dev agent did not become leader within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return a, addr, c
}

// testWriter sends agent logs to the test log until the test ends, and
// drops them after: gossip goroutines may still log while they wind down,
// and testing panics on a log after completion.
type testWriter struct {
	t    testing.TB
	mu   *sync.Mutex
	done *bool
}

func newTestWriter(t testing.TB) testWriter {
	w := testWriter{t: t, mu: &sync.Mutex{}, done: new(bool)}
	t.Cleanup(func() {
		w.mu.Lock()
		*w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.done {
		w.t.Log(string(p))
	}
	return len(p), nil
}

// StartCluster starts servers in-process server agents (bootstrap-expect
// servers, each with its own data directory) and clients client agents,
// all on 127.0.0.1 with ephemeral ports, joined into one LAN pool. It
// returns once every agent sees every other alive and the servers elected
// a leader that serves reads.
func StartCluster(t testing.TB, servers, clients int) (srvs, clis []*agent.Agent) {
	t.Helper()
	return StartClusterWith(t, servers, clients, nil)
}

// StartClusterWith is StartCluster with tune applied to every agent's
// configuration before it starts; tune may be nil.
func StartClusterWith(t testing.TB, servers, clients int, tune func(*config.Config)) (srvs, clis []*agent.Agent) {
	t.Helper()
	start := func(name string, server bool) *agent.Agent {
		expect := 0
		if server {
			expect = servers
		}
		return StartAgent(t, name, server, expect, tune)
	}
	for i := 0; i < servers; i++ {
		srvs = append(srvs, start(fmt.Sprintf("s%d", i+1), true))
	}
	for i := 0; i < clients; i++ {
		clis = append(clis, start(fmt.Sprintf("c%d", i+1), false))
	}
	all := append(append([]*agent.Agent{}, srvs...), clis...)
	first := LANAddr(all[0])
	for _, a := range all[1:] {
		if _, err := a.Join([]string{first}); err != nil {
			t.Fatal(err)
		}
	}
	// Generous: when the whole suite runs, process clusters and this one
	// share 2 cores, and a starved member is suspected and must refute.
	WaitFor(t, 45*time.Second, "every agent sees every other alive", func() error {
		for _, a := range all {
			alive := 0
			for _, m := range a.Members() {
				if m.Status == lan.StatusAlive {
					alive++
				}
			}
			if alive != len(all) {
				return fmt.Errorf("%s sees %d of %d alive", a.Self().NodeName, alive, len(all))
			}
		}
		return nil
	})
	// One client for all probes: a new one each time would leave its idle
	// connections behind and run into the per-client connection limit.
	probe := Client(t, srvs[0])
	WaitFor(t, 45*time.Second, "a leader that serves reads", func() error {
		_, _, err := probe.KV().Get("agenttest-ready-probe", nil)
		if err != nil && strings.Contains(err.Error(), "403") {
			return nil // ACLs refused it: a leader that serves answered
		}
		return err
	})
	return srvs, clis
}

// StartAgent starts one agent of a cluster (not joined to anything yet)
// with its own data directory on 127.0.0.1: a server with
// bootstrap-expect expect (0: it waits to be added by a leader), or a
// client. tune may be nil. It is stopped when the test ends.
func StartAgent(t testing.TB, name string, server bool, expect int, tune func(*config.Config)) *agent.Agent {
	t.Helper()
	cfg := DevConfig()
	cfg.DevMode = false
	cfg.NodeName = name
	cfg.DataDir = t.TempDir()
	cfg.Server = server
	cfg.Bootstrap = false
	cfg.BootstrapExpect = expect
	if tune != nil {
		tune(cfg)
	}
	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: name, Level: hclog.Warn, Output: newTestWriter(t)})
	a, err := agent.New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown() })
	return a
}

// LANAddr is the agent's gossip address, for joins.
func LANAddr(a *agent.Agent) string {
	m := a.Self().Member
	return net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
}

// Client returns a Consul API client for the agent's HTTP API.
func Client(t testing.TB, a *agent.Agent) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = a.HTTPAddrs()[0].String()
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// WaitFor polls cond every 20 ms until it returns nil or d passes.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for i := 0; i < 1_000_000; i++ {
		if err = cond(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, d, err)
}
