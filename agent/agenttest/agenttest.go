// Package agenttest starts in-process concord agents for tests in other
// packages: a dev server on ephemeral loopback ports, ready to serve.
package agenttest

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/config"
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
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}})
	a, err := agent.New(DevConfig(), logger)
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
			if _, _, err := c.KV().Get("agenttest-ready-probe", nil); err == nil {
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

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
