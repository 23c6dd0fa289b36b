package local

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

func ttlSpec(id, serviceID string) checks.Spec {
	return checks.Spec{ID: id, Name: id, ServiceID: serviceID, TTL: time.Hour}
}

func TestSyncPushesAndRepairsDrift(t *testing.T) {
	s, fc := newTestState(t, nil)
	ctx := context.Background()
	web := &catalog.NodeService{ID: "web1", Service: "web", Port: 80, Tags: []string{"v1"}}
	if err := s.AddService(web, []checks.Spec{ttlSpec("web1-ttl", "")}, SourceAPI, "", false); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCheck(ttlSpec("node-ttl", ""), SourceAPI, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fc.service("web1"); got == nil || got.Port != 80 {
		t.Fatalf("service not pushed: %+v", got)
	}
	if c := fc.check("web1-ttl"); c == nil || c.ServiceID != "web1" || c.Status != catalog.HealthCritical {
		t.Fatalf("service check not pushed with its service: %+v", c)
	}
	if fc.check("node-ttl") == nil {
		t.Fatal("node check not pushed")
	}

	// Nothing changed: a full sync writes nothing.
	before := fc.writeCount()
	for i := 0; i < 3; i++ {
		if err := s.SyncFull(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := fc.writeCount(); got != before {
		t.Fatalf("three no-op full syncs wrote %d times", got-before)
	}

	// Changed and removed behind the agent's back, plus a stranger: the
	// next full sync puts everything back the agent's way.
	fc.mu.Lock()
	fc.services["web1"].Port = 9999
	delete(fc.checks, "node-ttl")
	fc.services["intruder"] = &catalog.NodeService{ID: "intruder", Service: "intruder"}
	fc.checks[catalog.SerfCheckID] = &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Status: catalog.HealthPassing}
	fc.services["consul"] = &catalog.NodeService{ID: "consul", Service: "consul", Port: 8300}
	fc.mu.Unlock()
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fc.service("web1"); got.Port != 80 {
		t.Fatalf("drifted service not repaired: port %d", got.Port)
	}
	if fc.check("node-ttl") == nil {
		t.Fatal("removed check not put back")
	}
	if fc.service("intruder") != nil {
		t.Fatal("a service this agent does not own stayed on its node")
	}
	if fc.check(catalog.SerfCheckID) == nil || fc.service("consul") == nil {
		t.Fatal("anti-entropy removed the leader's serfHealth check or consul service")
	}
}

func TestSyncRetriesAfterFailure(t *testing.T) {
	s, fc := newTestState(t, nil)
	ctx := context.Background()
	fc.fail = catalog.ErrNoLeader
	if err := s.AddService(&catalog.NodeService{Service: "db"}, nil, SourceAPI, "", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncChanges(ctx); !errors.Is(err, catalog.ErrNoLeader) {
		t.Fatalf("sync during an election: %v", err)
	}
	fc.mu.Lock()
	fc.fail = nil
	fc.mu.Unlock()
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if fc.service("db") == nil {
		t.Fatal("a write that failed during an election was lost")
	}
}

func TestOutputOnlyChangesAreDeferred(t *testing.T) {
	s, fc := newTestState(t, func(c *Config) { c.CheckUpdateInterval = 300 * time.Millisecond })
	s.Start()
	if err := s.AddCheck(ttlSpec("t", ""), SourceAPI, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateTTL("t", catalog.HealthPassing, "run 0"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "passing pushed", func() bool {
		c := fc.check("t")
		return c != nil && c.Status == catalog.HealthPassing && c.Output == "run 0"
	})
	writes := fc.writeCount()
	// Ten output-only changes in quick succession: none goes out now.
	for i := 1; i <= 10; i++ {
		if err := s.UpdateTTL("t", catalog.HealthPassing, "run "+string(rune('0'+i))); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if got := fc.writeCount(); got != writes {
		t.Fatalf("output-only changes wrote %d times at once", got-writes)
	}
	// After the interval, the latest output goes out once.
	waitFor(t, 5*time.Second, "deferred output pushed", func() bool { return fc.check("t").Output == "run :" })
	if got := fc.writeCount(); got != writes+1 {
		t.Fatalf("deferred output took %d writes, want 1", got-writes)
	}
	// A status change goes at once.
	if err := s.UpdateTTL("t", catalog.HealthWarning, "run :"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "status change pushed at once", func() bool { return fc.check("t").Status == catalog.HealthWarning })
}

func TestRemoveServiceDeregistersItAndItsChecks(t *testing.T) {
	s, fc := newTestState(t, nil)
	ctx := context.Background()
	_ = s.AddService(&catalog.NodeService{ID: "a", Service: "a"}, []checks.Spec{ttlSpec("a-ttl", "")}, SourceAPI, "", false)
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveService("a"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveService("a"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("second removal: %v", err)
	}
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if fc.service("a") != nil || fc.check("a-ttl") != nil {
		t.Fatal("removed service or its check still in the catalog")
	}
	if len(s.Checks()) != 0 || len(s.Services()) != 0 {
		t.Fatalf("local state keeps %v %v", s.Services(), s.Checks())
	}
}

func TestMaintenance(t *testing.T) {
	s, fc := newTestState(t, nil)
	ctx := context.Background()
	_ = s.AddService(&catalog.NodeService{ID: "a", Service: "a"}, nil, SourceAPI, "", false)
	if err := s.ServiceMaintenance("missing", true, ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("maintenance of an unknown service: %v", err)
	}
	if err := s.ServiceMaintenance("a", true, "upgrading"); err != nil {
		t.Fatal(err)
	}
	s.NodeMaintenance(true, "")
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	sc := fc.check(ServiceMaintCheckIDPre + "a")
	nc := fc.check(NodeMaintCheckID)
	if sc == nil || sc.Status != catalog.HealthCritical || sc.Notes != "upgrading" || sc.ServiceID != "a" {
		t.Fatalf("service maintenance check %+v", sc)
	}
	if nc == nil || nc.Notes != defaultNodeMaintReason {
		t.Fatalf("node maintenance check %+v", nc)
	}
	s.NodeMaintenance(false, "")
	if err := s.ServiceMaintenance("a", false, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if fc.check(NodeMaintCheckID) != nil || fc.check(ServiceMaintCheckIDPre+"a") != nil {
		t.Fatal("maintenance checks not removed")
	}
}

func TestScriptChecks(t *testing.T) {
	script := checks.Spec{ID: "s", Args: []string{"/bin/true"}, Interval: time.Second}
	s, _ := newTestState(t, nil)
	err := s.AddCheck(script, SourceAPI, "")
	if !catalog.IsBadRequest(err) {
		t.Fatalf("script check over the API without enable_script_checks: %v", err)
	}
	if len(s.Checks()) != 0 {
		t.Fatal("a refused check was registered")
	}
	// From a config file it is registered, not run, and says why.
	if err := s.AddCheck(script, SourceConfig, ""); err != nil {
		t.Fatal(err)
	}
	c := s.Checks()[0]
	if c.Status != catalog.HealthCritical || c.Output != scriptDisabledOutput {
		t.Fatalf("disabled script check: %+v", c)
	}

	local, _ := newTestState(t, func(c *Config) { c.EnableLocalScriptChecks = true })
	if err := local.AddCheck(script, SourceAPI, ""); !catalog.IsBadRequest(err) {
		t.Fatalf("enable_local_script_checks allowed a script check over the API: %v", err)
	}
	if err := local.AddCheck(script, SourceConfig, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "local script check runs", func() bool { return local.Checks()[0].Status == catalog.HealthPassing })
}

func TestReapCriticalService(t *testing.T) {
	s, _ := newTestState(t, nil)
	spec := ttlSpec("ttl", "")
	spec.DeregisterCriticalServiceAfter = time.Minute
	if err := s.AddService(&catalog.NodeService{ID: "x", Service: "x"}, []checks.Spec{spec}, SourceAPI, "", false); err != nil {
		t.Fatal(err)
	}
	s.reapCritical(time.Now().Add(30 * time.Second))
	if len(s.Services()) != 1 {
		t.Fatal("reaped before its time")
	}
	s.reapCritical(time.Now().Add(2 * time.Minute))
	if len(s.Services()) != 0 {
		t.Fatal("a service critical past deregister_critical_service_after was kept")
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	s, _ := newTestState(t, func(c *Config) { c.DataDir = dir })
	_ = s.AddService(&catalog.NodeService{ID: "api", Service: "api", Port: 1}, []checks.Spec{ttlSpec("api-ttl", "")}, SourceAPI, "secret-token", false)
	_ = s.AddService(&catalog.NodeService{ID: "cfg", Service: "cfg"}, nil, SourceConfig, "", false)
	_ = s.AddService(&catalog.NodeService{ID: "gone", Service: "gone"}, nil, SourceAPI, "", false)
	_ = s.RemoveService("gone")
	s.NodeMaintenance(true, "disk swap")
	s.Close()

	again, _ := newTestState(t, func(c *Config) { c.DataDir = dir })
	again.loadPersisted()
	ids := map[string]bool{}
	for _, svc := range again.Services() {
		ids[svc.ID] = true
	}
	if !ids["api"] || ids["cfg"] || ids["gone"] {
		t.Fatalf("restored services %v: want the API one only", ids)
	}
	cks := map[string]*catalog.HealthCheck{}
	for _, c := range again.Checks() {
		cks[c.CheckID] = c
	}
	if cks["api-ttl"] == nil || cks[NodeMaintCheckID] == nil || cks[NodeMaintCheckID].Notes != "disk swap" {
		t.Fatalf("restored checks %v", cks)
	}
	if again.services["api"].token != "secret-token" {
		t.Fatal("the registration's token was not kept")
	}
}
