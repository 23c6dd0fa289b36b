package agent_test

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// registerHealthFixture registers, through /v1/catalog/register:
//
//	web1 on w1: port 80,   tags v1,     check passing, node meta env=prod
//	web2 on w2: port 8080, tags v1, v2, check warning, node meta env=dev
//	web3 on w3: port 80,   tags v2,     check passing, node check critical
//	db1  on d1: port 5432,              check critical
func registerHealthFixture(t *testing.T, c *api.Client) {
	t.Helper()
	type inst struct {
		node, id, svc string
		port          int
		tags          []string
		env, status   string
		nodeStatus    string
	}
	for i, in := range []inst{
		{"w1", "web1", "web", 80, []string{"v1"}, "prod", api.HealthPassing, api.HealthPassing},
		{"w2", "web2", "web", 8080, []string{"v1", "v2"}, "dev", api.HealthWarning, api.HealthPassing},
		{"w3", "web3", "web", 80, []string{"v2"}, "prod", api.HealthPassing, api.HealthCritical},
		{"d1", "db1", "db", 5432, nil, "prod", api.HealthCritical, api.HealthPassing},
	} {
		reg := &api.CatalogRegistration{
			Node:     in.node,
			Address:  fmt.Sprintf("10.0.0.%d", i+1),
			NodeMeta: map[string]string{"env": in.env},
			Service:  &api.AgentService{ID: in.id, Service: in.svc, Port: in.port, Tags: in.tags},
			Checks: api.HealthChecks{
				{Node: in.node, CheckID: "node-ok", Name: "node ok", Status: in.nodeStatus},
				{Node: in.node, CheckID: in.id + "-check", Name: in.id + " check", Status: in.status, ServiceID: in.id},
			},
		}
		if _, err := c.Catalog().Register(reg, nil); err != nil {
			t.Fatalf("register %s: %v", in.id, err)
		}
	}
}

func entryIDs(entries []*api.ServiceEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Service.ID)
	}
	return out
}

func TestHealthServiceContract(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	registerHealthFixture(t, c)
	h := c.Health()

	all, meta, err := h.Service("web", "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryIDs(all); !reflect.DeepEqual(got, []string{"web1", "web2", "web3"}) {
		t.Fatalf("all: %v", got)
	}
	if meta.LastIndex == 0 || !meta.KnownLeader {
		t.Fatalf("meta: %+v", meta)
	}
	e := all[0]
	if e.Node.Node != "w1" || e.Node.Address != "10.0.0.1" || e.Node.Datacenter != "dc1" || e.Node.Meta["env"] != "prod" {
		t.Fatalf("node: %+v", e.Node)
	}
	if e.Service.Port != 80 || !reflect.DeepEqual(e.Service.Tags, []string{"v1"}) || e.Service.Weights.Passing != 1 {
		t.Fatalf("service: %+v", e.Service)
	}
	if len(e.Checks) != 2 || e.Checks[0].CheckID != "node-ok" || e.Checks[1].CheckID != "web1-check" ||
		e.Checks[1].ServiceName != "web" || e.Checks.AggregatedStatus() != api.HealthPassing {
		t.Fatalf("checks: %+v", e.Checks)
	}

	passing, _, err := h.Service("web", "", true, nil)
	if err != nil || !reflect.DeepEqual(entryIDs(passing), []string{"web1"}) {
		t.Fatalf("passing: %v %v", entryIDs(passing), err)
	}
	v2, _, _ := h.Service("web", "v2", false, nil)
	if got := entryIDs(v2); !reflect.DeepEqual(got, []string{"web2", "web3"}) {
		t.Fatalf("tag v2: %v", got)
	}
	both, _, _ := h.ServiceMultipleTags("web", []string{"v1", "v2"}, false, nil)
	if got := entryIDs(both); !reflect.DeepEqual(got, []string{"web2"}) {
		t.Fatalf("tags v1+v2: %v", got)
	}
	prod, _, _ := h.Service("web", "", false, &api.QueryOptions{NodeMeta: map[string]string{"env": "prod"}})
	if got := entryIDs(prod); !reflect.DeepEqual(got, []string{"web1", "web3"}) {
		t.Fatalf("node-meta env=prod: %v", got)
	}
	none, _, err := h.Service("nope", "", false, nil)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("unknown service: %v %v", none, err)
	}

	filters := map[string][]string{
		`Service.Port == 80`:                           {"web1", "web3"},
		`Service.Tags contains "v2"`:                   {"web2", "web3"},
		`Node.Node == "w2"`:                            {"web2"},
		`Node.Meta.env == prod and Service.Port == 80`: {"web1", "web3"},
		`any Checks as c { c.Status == warning }`:      {"web2"},
	}
	for expr, want := range filters {
		got, _, err := h.Service("web", "", false, &api.QueryOptions{Filter: expr})
		if err != nil || !reflect.DeepEqual(entryIDs(got), want) {
			t.Errorf("filter %q: %v %v, want %v", expr, entryIDs(got), err, want)
		}
	}
	if _, _, err := h.Service("web", "", false, &api.QueryOptions{Filter: "Service.Port =="}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("invalid filter: %v", err)
	}
}

func TestHealthChecksNodeStateContract(t *testing.T) {
	_, addr, c := agenttest.StartDev(t)
	registerHealthFixture(t, c)
	h := c.Health()

	checks, _, err := h.Checks("web", nil)
	if err != nil || len(checks) != 3 {
		t.Fatalf("web checks: %v %v", checks, err)
	}
	for _, hc := range checks {
		if hc.ServiceName != "web" || hc.ServiceID == "" {
			t.Fatalf("check %+v is not bound to web", hc)
		}
	}
	dev, _, _ := h.Checks("web", &api.QueryOptions{NodeMeta: map[string]string{"env": "dev"}})
	if len(dev) != 1 || dev[0].Node != "w2" {
		t.Fatalf("web checks on env=dev: %+v", dev)
	}

	node, _, err := h.Node("w3", nil)
	if err != nil || len(node) != 2 || node.AggregatedStatus() != api.HealthCritical {
		t.Fatalf("node w3: %+v %v", node, err)
	}
	unknown, _, err := h.Node("nope", nil)
	if err != nil || unknown == nil || len(unknown) != 0 {
		t.Fatalf("unknown node: %v %v", unknown, err)
	}

	critical, _, err := h.State(api.HealthCritical, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, hc := range critical {
		ids = append(ids, hc.Node+"/"+hc.CheckID)
	}
	if want := []string{"d1/db1-check", "w3/node-ok"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("critical: %v, want %v", ids, want)
	}
	warning, _, _ := h.State(api.HealthWarning, &api.QueryOptions{Filter: `ServiceName == "web"`})
	if len(warning) != 1 || warning[0].CheckID != "web2-check" {
		t.Fatalf("warning filtered: %+v", warning)
	}
	any, _, _ := h.State(api.HealthAny, nil)
	// Eight registered checks plus the dev agent's own serfHealth.
	if len(any) != 9 {
		t.Fatalf("any: %d checks", len(any))
	}

	resp, err := http.Get("http://" + addr + "/v1/health/state/bogus")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "any, passing, warning, critical") {
		t.Fatalf("bad state: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/v1/health/node/nope", "/v1/health/checks/nope", "/v1/health/service/nope"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "[]" || resp.Header.Get("X-Consul-Index") == "" {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
}

func TestCatalogFilters(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	registerHealthFixture(t, c)
	cat := c.Catalog()
	nodes, _, err := cat.Nodes(&api.QueryOptions{Filter: `Meta.env == dev`})
	if err != nil || len(nodes) != 1 || nodes[0].Node != "w2" {
		t.Fatalf("nodes env=dev: %+v %v", nodes, err)
	}
	svcs, _, err := cat.Service("web", "", &api.QueryOptions{Filter: `ServicePort == 8080`})
	if err != nil || len(svcs) != 1 || svcs[0].ServiceID != "web2" {
		t.Fatalf("web port 8080: %+v %v", svcs, err)
	}
	node, _, err := cat.Node("w1", &api.QueryOptions{Filter: `Service == db`})
	if err != nil || node == nil || len(node.Services) != 0 {
		t.Fatalf("w1 services filtered to db: %+v %v", node, err)
	}
	if _, _, err := cat.Nodes(&api.QueryOptions{Filter: `Meta.env ==`}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("invalid filter: %v", err)
	}
}

func TestHealthBlockingWakesOnlyForItsService(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	registerHealthFixture(t, c)
	h := c.Health()
	_, meta, err := h.Service("web", "", false, nil)
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		index   uint64
		entries []*api.ServiceEntry
		err     error
	}
	watch := func(wait time.Duration) chan result {
		done := make(chan result, 1)
		go func() {
			e, m, err := h.Service("web", "", false, &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: wait})
			r := result{entries: e, err: err}
			if m != nil {
				r.index = m.LastIndex
			}
			done <- r
		}()
		return done
	}
	setCheck := func(node, id, serviceID, status string) {
		t.Helper()
		_, err := c.Catalog().Register(&api.CatalogRegistration{
			Node: node, SkipNodeUpdate: true,
			Check: &api.AgentCheck{Node: node, CheckID: id, Name: id, Status: status, ServiceID: serviceID},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}

	// Another service's check changing must not answer the watcher before
	// its wait runs out, and then with the same index.
	done := watch(300 * time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	setCheck("d1", "db1-check", "db1", api.HealthPassing)
	select {
	case r := <-done:
		if r.err != nil || r.index != meta.LastIndex {
			t.Fatalf("unrelated change: index %d (was %d) err %v", r.index, meta.LastIndex, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watcher did not time out")
	}

	done = watch(30 * time.Second)
	time.Sleep(50 * time.Millisecond)
	setCheck("w2", "web2-check", "web2", api.HealthCritical)
	select {
	case r := <-done:
		if r.err != nil || r.index <= meta.LastIndex || len(r.entries) != 3 ||
			r.entries[1].Checks.AggregatedStatus() != api.HealthCritical {
			t.Fatalf("after web2 went critical: index %d err %v", r.index, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watcher did not wake within 5s of its service's check change")
	}
}
