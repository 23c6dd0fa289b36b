package agent_test

import (
	"testing"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// BenchmarkPreparedQueryExecute is GET /v1/query/:name/execute over 200
// passing instances on a dev agent, against the same instances read as
// /v1/health/service/web?passing, so the cost of a query (resolution,
// filters, shuffle, no rendered-answer cache) shows next to a plain read.
// ?near=_agent adds the coordinate sort.
func BenchmarkPreparedQueryExecute(b *testing.B) {
	_, addr, c := agenttest.StartDev(b)
	registerInstances(b, c, "web", 200)
	if _, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web-q",
		Service: api.ServiceQuery{Service: "web", OnlyPassing: true, Tags: []string{"v1", "!old"}}}, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("execute", func(b *testing.B) { benchHealthRead(b, "http://"+addr+"/v1/query/web-q/execute") })
	b.Run("execute-near", func(b *testing.B) { benchHealthRead(b, "http://"+addr+"/v1/query/web-q/execute?near=_agent") })
	b.Run("health-passing", func(b *testing.B) { benchHealthRead(b, "http://"+addr+"/v1/health/service/web?passing") })
	// ?near of a node without a coordinate sorts nothing but skips the
	// rendered-answer cache: the same read, rendered every time.
	b.Run("health-passing-rendered", func(b *testing.B) { benchHealthRead(b, "http://"+addr+"/v1/health/service/web?passing&near=nobody") })
}
