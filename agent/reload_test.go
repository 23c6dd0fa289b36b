package agent_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/catalog"
)

func svcDef(name string, ttl time.Duration) config.ServiceDefinition {
	d := config.ServiceDefinition{ID: name, Name: name, Weights: config.Weights{Passing: 1, Warning: 1}}
	if ttl > 0 {
		d.Checks = []config.CheckDefinition{{ID: name + "-ttl", Name: name + " ttl", ServiceID: name, TTL: ttl}}
	}
	return d
}

// TestReloadAppliesConfigServices: a reload adds the config's new
// services, deregisters the removed ones, restarts changed checks, and
// leaves API registrations alone.
func TestReloadAppliesConfigServices(t *testing.T) {
	a, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Services = []config.ServiceDefinition{svcDef("a", 0), svcDef("b", time.Hour)}
	})
	if err := a.RegisterService(&catalog.NodeService{ID: "api-made", Service: "api-made"}, nil, httpapi.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); err == nil {
		t.Fatal("reload without a config loader succeeded")
	}

	next := agenttest.DevConfig()
	next.Services = []config.ServiceDefinition{svcDef("b", 2*time.Hour), svcDef("c", 0)}
	a.SetConfigLoader(func() (*config.Config, error) { return next, nil })
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range a.LocalServices() {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	if strings.Join(ids, ",") != "api-made,b,c" {
		t.Fatalf("services after reload: %v, want api-made,b,c", ids)
	}
	agenttest.WaitFor(t, 10*time.Second, "the catalog follows the reload", func() error {
		svcs, _, err := c.Catalog().Services(nil)
		if err != nil {
			return err
		}
		if _, ok := svcs["a"]; ok {
			return fmt.Errorf("a is still in the catalog")
		}
		for _, want := range []string{"b", "c", "api-made"} {
			if _, ok := svcs[want]; !ok {
				return fmt.Errorf("%s missing from %v", want, svcs)
			}
		}
		return nil
	})

	// A config that does not load changes nothing.
	a.SetConfigLoader(func() (*config.Config, error) { return nil, fmt.Errorf("bad file") })
	if err := a.Reload(); !catalog.IsBadRequest(err) {
		t.Fatalf("reload of a bad config: %v", err)
	}
	if got := len(a.LocalServices()); got != 3 {
		t.Fatalf("a failed reload changed the services: %d left", got)
	}
}
