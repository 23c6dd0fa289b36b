package agent_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// registerInstances registers n instances of service through
// /v1/catalog/register, each on its own node with a passing node check
// and a passing service check, as concord-bench health does.
func registerInstances(tb testing.TB, c *api.Client, service string, n int) {
	tb.Helper()
	for i := 0; i < n; i++ {
		node := fmt.Sprintf("%s-node-%d", service, i)
		id := fmt.Sprintf("%s-%d", service, i)
		reg := &api.CatalogRegistration{
			Node:     node,
			Address:  fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			NodeMeta: map[string]string{"rack": "r1"},
			Service:  &api.AgentService{ID: id, Service: service, Port: 8080, Tags: []string{"v1"}, Meta: map[string]string{"version": "1"}},
			Checks: api.HealthChecks{
				{Node: node, CheckID: "node-alive", Name: "node alive", Status: api.HealthPassing, Output: "ok"},
				{Node: node, CheckID: id + "-http", Name: "http", Status: api.HealthPassing, ServiceID: id, Output: "HTTP GET http://10.0.0.1:8080/health: 200 OK"},
			},
		}
		if _, err := c.Catalog().Register(reg, nil); err != nil {
			tb.Fatalf("register %s: %v", id, err)
		}
	}
}

// benchHealthRead reads url (a 200-instance ?passing answer) from parallel
// clients that drain the body, as concord-bench health does.
func benchHealthRead(b *testing.B, url string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Get(url)
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
}

// BenchmarkHealthServicePassing is GET /v1/health/service/web?passing for
// 200 instances through the whole agent: HTTP handler, server endpoint
// (in process on a dev agent, forwarded to the leader from a follower),
// store read and JSON rendering. The agents share the benchmark's cores.
func BenchmarkHealthServicePassing(b *testing.B) {
	b.Run("dev", func(b *testing.B) {
		_, addr, c := agenttest.StartDev(b)
		registerInstances(b, c, "web", 200)
		benchHealthRead(b, "http://"+addr+"/v1/health/service/web?passing")
	})
	b.Run("follower", func(b *testing.B) {
		if testing.Short() {
			b.Skip("starts three servers")
		}
		srvs, _ := agenttest.StartCluster(b, 3, 0)
		follower := srvs[0]
		for _, s := range srvs {
			if s.Self().Stats["consul"]["leader"] != "true" {
				follower = s
				break
			}
		}
		registerInstances(b, agenttest.Client(b, follower), "web", 200)
		benchHealthRead(b, "http://"+follower.HTTPAddrs()[0].String()+"/v1/health/service/web?passing")
	})
}
