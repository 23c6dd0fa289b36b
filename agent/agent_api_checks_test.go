package agent_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// checkStatus reads one check's status through the health API.
func checkStatus(c *api.Client, service, checkID string) (string, error) {
	entries, _, err := c.Health().Service(service, "", false, nil)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		for _, chk := range e.Checks {
			if chk.CheckID == checkID {
				return chk.Status, nil
			}
		}
	}
	return "", fmt.Errorf("check %s of %s not in the health API", checkID, service)
}

func waitCheck(t *testing.T, c *api.Client, service, checkID, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	agenttest.WaitFor(t, within, fmt.Sprintf("%s %s", checkID, want), func() error {
		got, err := checkStatus(c, service, checkID)
		if err == nil && got != want {
			err = fmt.Errorf("status %q", got)
		}
		return err
	})
	return time.Since(start)
}

// TestAPIHTTPCheck registers a service with an HTTP check through the
// Consul Go client and follows the target's answers.
func TestAPIHTTPCheck(t *testing.T) {
	var code atomic.Int32
	code.Store(http.StatusOK)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(code.Load()))
	}))
	defer target.Close()
	_, _, c := agenttest.StartDev(t)
	const interval = time.Second
	err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "web1", Name: "web", Port: 80,
		Check: &api.AgentServiceCheck{CheckID: "web-http", HTTP: target.URL, Interval: interval.String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	passing := func() int {
		e, _, err := c.Health().Service("web", "", true, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(e)
	}
	waitCheck(t, c, "web", "web-http", api.HealthPassing, 15*time.Second)
	if passing() != 1 {
		t.Fatal("passing instance not in ?passing")
	}
	code.Store(http.StatusInternalServerError)
	took := waitCheck(t, c, "web", "web-http", api.HealthCritical, 2*interval+time.Second)
	t.Logf("a failing service left ?passing %v after it failed (check interval %v)", took, interval)
	if passing() != 0 {
		t.Fatal("critical instance still in ?passing")
	}
	code.Store(http.StatusTooManyRequests)
	waitCheck(t, c, "web", "web-http", api.HealthWarning, 2*interval+time.Second)
	target.Close()
	waitCheck(t, c, "web", "web-http", api.HealthCritical, 2*interval+5*time.Second)
}

// TestAPITTLCheck: pass, warn and fail through the agent API, then expiry.
func TestAPITTLCheck(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "job", Name: "job",
		Check: &api.AgentServiceCheck{CheckID: "job-ttl", TTL: "5s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitCheck(t, c, "job", "job-ttl", api.HealthCritical, 15*time.Second)
	for _, step := range []struct {
		set  func() error
		want string
	}{
		{func() error { return c.Agent().PassTTL("job-ttl", "fine") }, api.HealthPassing},
		{func() error { return c.Agent().WarnTTL("job-ttl", "slow") }, api.HealthWarning},
		{func() error { return c.Agent().FailTTL("job-ttl", "down") }, api.HealthCritical},
		{func() error { return c.Agent().UpdateTTL("job-ttl", "back", api.HealthPassing) }, api.HealthPassing},
	} {
		if err := step.set(); err != nil {
			t.Fatal(err)
		}
		waitCheck(t, c, "job", "job-ttl", step.want, 15*time.Second)
	}
	// Not refreshed: critical after the TTL.
	waitCheck(t, c, "job", "job-ttl", api.HealthCritical, 20*time.Second)
	checks, err := c.Agent().Checks()
	if err != nil {
		t.Fatal(err)
	}
	if out := checks["job-ttl"].Output; !strings.Contains(out, "TTL expired") {
		t.Fatalf("expired TTL check output %q", out)
	}
	if err := c.Agent().PassTTL("no-such-check", ""); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("pass of an unknown check: %v", err)
	}
}

// TestAPIRefusesBadChecks: bad check definitions are refused with a 400
// naming the field, and nothing is registered.
func TestAPIRefusesBadChecks(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	cases := []struct {
		name  string
		check *api.AgentServiceCheck
		field string
	}{
		{"script without the flag", &api.AgentServiceCheck{Args: []string{"/bin/true"}, Interval: "10s"}, "enable_script_checks"},
		{"no interval", &api.AgentServiceCheck{HTTP: "http://127.0.0.1:1/", Interval: ""}, "Interval"},
		{"unknown kind", &api.AgentServiceCheck{Interval: "10s", Notes: "no kind"}, "HTTP"},
		{"negative timeout", &api.AgentServiceCheck{TCP: "127.0.0.1:1", Interval: "10s", Timeout: "-1s"}, "Timeout"},
		{"docker", &api.AgentServiceCheck{DockerContainerID: "abc", Shell: "/bin/sh", Args: []string{"true"}, Interval: "10s"}, "Docker"},
	}
	for _, tc := range cases {
		err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "bad", Check: tc.check})
		if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want a 400 naming %s", tc.name, err, tc.field)
		}
	}
	svcs, err := c.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != 0 {
		t.Fatalf("refused registrations left services behind: %v", svcs)
	}
	checks, err := c.Agent().Checks()
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 0 {
		t.Fatalf("refused registrations left checks behind: %v", checks)
	}
}

// TestAPIRegistrationsSurviveRestart: services and checks registered
// through the API come back when the agent restarts on its data directory.
func TestAPIRegistrationsSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restart test skipped in -short mode")
	}
	cfg := agenttest.DevConfig()
	cfg.DevMode = false
	cfg.DataDir = t.TempDir()
	start := func() (*agent.Agent, *api.Client) {
		a, err := agent.New(cfg, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Shutdown() })
		return a, agenttest.Client(t, a)
	}
	a, c := start()
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "db1", Name: "db", Port: 5432, Tags: []string{"primary"},
		Check: &api.AgentServiceCheck{CheckID: "db-ttl", TTL: "1h"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().EnableNodeMaintenance("kernel upgrade"); err != nil {
		t.Fatal(err)
	}
	a.Shutdown()

	_, c = start()
	svcs, err := c.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	if s := svcs["db1"]; s == nil || s.Port != 5432 || len(s.Tags) != 1 {
		t.Fatalf("service after restart: %+v", svcs)
	}
	checks, err := c.Agent().Checks()
	if err != nil {
		t.Fatal(err)
	}
	if checks["db-ttl"] == nil || checks["_node_maintenance"] == nil || checks["_node_maintenance"].Notes != "kernel upgrade" {
		t.Fatalf("checks after restart: %+v", checks)
	}
	agenttest.WaitFor(t, 10*time.Second, "db back in the catalog", func() error {
		e, _, err := c.Catalog().Service("db", "", nil)
		if err == nil && len(e) != 1 {
			err = fmt.Errorf("%d instances", len(e))
		}
		return err
	})
}
