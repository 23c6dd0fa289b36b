package agent_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

// TestSeedServicesFromConfigDir: the tutorials' service files load from a
// config directory and their services appear in the health API, their
// script checks registered but not run (script checks are off).
func TestSeedServicesFromConfigDir(t *testing.T) {
	loaded, _, err := config.Load([]string{"-dev", "-config-dir", "config/testdata/seeds"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Services, cfg.Checks = loaded.Services, loaded.Checks
	})
	for _, name := range []string{"MariaDB", "redis"} {
		agenttest.WaitFor(t, 10*time.Second, name+" in the health API", func() error {
			entries, _, err := c.Health().Service(name, "", false, nil)
			if err != nil {
				return err
			}
			if len(entries) != 1 {
				return fmt.Errorf("%d instances", len(entries))
			}
			for _, chk := range entries[0].Checks {
				if chk.ServiceID != "" && chk.Status == api.HealthCritical && chk.Output != "" {
					return nil
				}
			}
			return fmt.Errorf("no critical script check explaining itself: %+v", entries[0].Checks)
		})
	}
	if entries, _, err := c.Health().Service("redis", "master", false, nil); err != nil || len(entries) != 1 || entries[0].Service.Port != 8000 {
		t.Fatalf("redis by tag: %+v %v", entries, err)
	}
}

// TestHTTPCheckDrivesHealth: an HTTP check's status follows the target's
// answers: 200 passing, 500 critical (out of ?passing within two
// intervals), 429 warning, and critical once the target is gone.
func TestHTTPCheckDrivesHealth(t *testing.T) {
	var code atomic.Int32
	code.Store(http.StatusOK)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(code.Load()))
		fmt.Fprint(w, "state of the app")
	}))
	defer target.Close()
	const interval = time.Second // the shortest a check may run at
	_, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Services = []config.ServiceDefinition{{
			ID: "web1", Name: "web", Port: 80,
			Weights: config.Weights{Passing: 1, Warning: 1},
			Checks:  []config.CheckDefinition{{ID: "web-http", Name: "web http", ServiceID: "web1", HTTP: target.URL, Interval: interval}},
		}}
	})
	status := func() (string, bool) {
		entries, _, err := c.Health().Service("web", "", false, nil)
		if err != nil || len(entries) != 1 {
			return "", false
		}
		for _, chk := range entries[0].Checks {
			if chk.CheckID == "web-http" {
				return chk.Status, true
			}
		}
		return "", false
	}
	passingCount := func() int {
		entries, _, err := c.Health().Service("web", "", true, nil)
		if err != nil {
			return -1
		}
		return len(entries)
	}
	waitStatus := func(want string, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		agenttest.WaitFor(t, within, "check "+want, func() error {
			if got, _ := status(); got != want {
				return fmt.Errorf("status %q", got)
			}
			return nil
		})
		return time.Since(start)
	}

	waitStatus(api.HealthPassing, 15*time.Second)
	if n := passingCount(); n != 1 {
		t.Fatalf("passing instance not in ?passing: %d", n)
	}

	code.Store(http.StatusInternalServerError)
	took := waitStatus(api.HealthCritical, 2*interval+time.Second)
	t.Logf("500 seen as critical after %v", took)
	if n := passingCount(); n != 0 {
		t.Fatalf("critical instance still in ?passing: %d", n)
	}

	code.Store(http.StatusTooManyRequests)
	waitStatus(api.HealthWarning, 2*interval+time.Second)

	target.Close()
	waitStatus(api.HealthCritical, 2*interval+5*time.Second)
}

// TestAntiEntropyRepairsAndStaysQuiet: an entry changed through the
// catalog API behind the agent's back is put back by the next full sync,
// and full syncs that find nothing to do do not wake health watchers.
func TestAntiEntropyRepairsAndStaysQuiet(t *testing.T) {
	const ae = 300 * time.Millisecond
	a, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.AEInterval = ae
		cfg.Services = []config.ServiceDefinition{{ID: "db1", Name: "db", Port: 5432, Weights: config.Weights{Passing: 1, Warning: 1}}}
	})
	node := a.Self().NodeName
	agenttest.WaitFor(t, 10*time.Second, "db registered", func() error {
		svcs, _, err := c.Catalog().Service("db", "", nil)
		if err == nil && len(svcs) != 1 {
			err = fmt.Errorf("%d instances", len(svcs))
		}
		return err
	})

	// Quiet: three full syncs with nothing changed wake no watcher.
	_, meta, err := c.Health().Service("db", "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wait := 4 * ae * 3 / 2 // at least three syncs (each at most 1.5 periods apart)
	_, meta2, err := c.Health().Service("db", "", false, &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: wait})
	if err != nil {
		t.Fatal(err)
	}
	if meta2.LastIndex != meta.LastIndex || time.Since(start) < wait {
		t.Fatalf("health watcher woke after %v with index %d (was %d) while nothing changed", time.Since(start), meta2.LastIndex, meta.LastIndex)
	}

	// Drift: someone rewrites the agent's service through the catalog.
	if _, err := c.Catalog().Register(&api.CatalogRegistration{
		Node: node, Address: "127.0.0.1",
		Service: &api.AgentService{ID: "db1", Service: "db", Port: 1},
	}, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*ae, "anti-entropy puts the port back", func() error {
		svcs, _, err := c.Catalog().Service("db", "", nil)
		if err != nil {
			return err
		}
		if len(svcs) != 1 || svcs[0].ServicePort != 5432 {
			return fmt.Errorf("catalog has %+v", svcs)
		}
		return nil
	})
}
