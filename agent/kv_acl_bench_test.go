package agent_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// BenchmarkKVGetACL is GET /v1/kv/bench/get/N on a dev agent through the
// whole agent, with ACLs off and with ACLs on (default deny, a token
// whose only rule is key_prefix "bench/get/" read), as bench/acl.sh
// measures it over the network; the difference is what resolving and
// checking the token costs a read. cpu-ns/op is the process's CPU (agent
// and HTTP clients together) per read.
func BenchmarkKVGetACL(b *testing.B) {
	const root = "9d3c3a57-2b1c-4f0e-8d7e-3a1b5c6d7e8f"
	const keys = 1000
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			_, addr, c := agenttest.StartDevWith(b, func(cfg *config.Config) {
				if on {
					cfg.ACL.Enabled = true
					cfg.ACL.DefaultPolicy = "deny"
					cfg.ACL.Tokens.InitialManagement = root
				}
			})
			token := ""
			if on {
				cfg := api.DefaultConfig()
				cfg.Address, cfg.Token = addr, root
				var err error
				if c, err = api.NewClient(cfg); err != nil {
					b.Fatal(err)
				}
				pol, _, err := c.ACL().PolicyCreate(&api.ACLPolicy{Name: "bench-read", Rules: `key_prefix "bench/get/" { policy = "read" }`}, nil)
				if err != nil {
					b.Fatal(err)
				}
				tok, _, err := c.ACL().TokenCreate(&api.ACLToken{Policies: []*api.ACLTokenPolicyLink{{ID: pol.ID}}}, nil)
				if err != nil {
					b.Fatal(err)
				}
				token = tok.SecretID
			}
			for i := 0; i < keys; i++ {
				if _, err := c.KV().Put(&api.KVPair{Key: fmt.Sprintf("bench/get/%d", i), Value: make([]byte, 128)}, nil); err != nil {
					b.Fatal(err)
				}
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			b.Cleanup(tr.CloseIdleConnections)
			hc := &http.Client{Transport: tr}
			b.SetParallelism(8)
			b.ReportAllocs()
			cpu0 := processCPU(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/v1/kv/bench/get/%d", addr, rand.IntN(keys)), nil)
					if token != "" {
						req.Header.Set("X-Consul-Token", token)
					}
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Errorf("status %d, %v", resp.StatusCode, err)
						return
					}
				}
			})
			b.StopTimer()
			// The process's CPU per read (agent and client together) is
			// steadier than wall time on a shared machine.
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the user and system CPU this process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
