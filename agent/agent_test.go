package agent

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// devAgent starts an in-process single-server agent on ephemeral loopback
// ports and returns it with a Consul API client pointed at it.
func devAgent(t testing.TB) (*Agent, *api.Client) {
	t.Helper()
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
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}})
	a, err := New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown() })
	acfg := api.DefaultConfig()
	acfg.Address = a.HTTPAddrs()[0].String()
	c, err := api.NewClient(acfg)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if l, err := c.Status().Leader(); err == nil && l != "" && a.server.IsLeader() {
			// The leader serves reads once its barrier completes.
			if _, _, err := c.KV().Get("ready-probe", nil); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("dev agent did not elect itself within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return a, c
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
