package agent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

func TestServersAreRegisteredAsConsulService(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	var got []*api.CatalogService
	agenttest.WaitFor(t, 5*time.Second, "consul service registered", func() error {
		var err error
		got, _, err = c.Catalog().Service("consul", "", nil)
		if err != nil {
			return err
		}
		if len(got) != 1 {
			return fmt.Errorf("%d instances", len(got))
		}
		return nil
	})
	if got[0].Node != "dev" || got[0].ServiceID != "consul" || got[0].ServicePort == 0 {
		t.Fatalf("consul service: %+v", got[0])
	}
	// The leader reconciles the member more than once as it starts (the
	// full pass and the join event); an equal entry is not rewritten.
	if got[0].ModifyIndex != got[0].CreateIndex {
		t.Fatalf("consul service rewritten: created at %d, modified at %d", got[0].CreateIndex, got[0].ModifyIndex)
	}
	passing, _, err := c.Health().Service("consul", "", true, nil)
	if err != nil || len(passing) != 1 {
		t.Fatalf("passing consul instances: %v %v", len(passing), err)
	}
}
