package httpapi

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/catalog"
)

// healthRPC answers the health methods with one instance of "web" on
// node1, whatever was asked; the tests check what was asked.
func (f *fakeAgent) healthRPC(method string, args, reply interface{}) error {
	check := &catalog.HealthCheck{Node: "node1", CheckID: "c1", Name: "c1", Status: catalog.HealthPassing, ServiceID: "web1", ServiceName: "web"}
	switch method {
	case catalog.MethodHealthServiceNodes:
		out := reply.(*catalog.IndexedCheckServiceNodes)
		out.QueryMeta = f.meta()
		if args.(*catalog.ServiceRequest).ServiceName != "web" {
			return nil
		}
		out.Nodes = catalog.CheckServiceNodes{{
			Node:    &catalog.Node{Node: "node1", Address: "10.0.0.1", Datacenter: "dc1"},
			Service: &catalog.NodeService{ID: "web1", Service: "web", Port: 80},
			Checks:  catalog.HealthChecks{check},
		}}
	case catalog.MethodHealthServiceChecks, catalog.MethodHealthNodeChecks, catalog.MethodHealthChecksInState:
		out := reply.(*catalog.IndexedHealthChecks)
		out.QueryMeta = f.meta()
		if req, ok := args.(*catalog.NodeRequest); ok && req.Node != "node1" {
			return nil
		}
		out.HealthChecks = catalog.HealthChecks{check}
	default:
		return fmt.Errorf("fake agent: no method %q", method)
	}
	return nil
}

func TestHealthServiceArguments(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	cases := []struct {
		query   string
		passing bool
		tags    []string
		meta    map[string]string
	}{
		{"", false, nil, nil},
		{"passing", true, nil, nil},
		{"passing=true", true, nil, nil},
		{"passing=1", true, nil, nil},
		{"passing=false", false, nil, nil},
		{"tag=a&tag=b&node-meta=env:prod&near=_agent", false, []string{"a", "b"}, map[string]string{"env": "prod"}},
	}
	for _, c := range cases {
		resp, body := do(t, ts, "GET", "/v1/health/service/web?"+c.query, nil)
		expectStatus(t, resp, body, http.StatusOK)
		if resp.Header.Get("X-Consul-Index") == "" {
			t.Errorf("?%s: no X-Consul-Index", c.query)
		}
		got := fa.lastCall(catalog.MethodHealthServiceNodes).(*catalog.ServiceRequest)
		if got.PassingOnly != c.passing || !reflect.DeepEqual(got.Tags, c.tags) || !reflect.DeepEqual(got.NodeMetaFilters, c.meta) {
			t.Errorf("?%s: request %+v", c.query, got)
		}
	}
	resp, body := do(t, ts, "GET", "/v1/health/service/web?passing=maybe", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)

	entries, _, err := client.Health().Service("web", "", false, nil)
	if err != nil || len(entries) != 1 || entries[0].Service.ID != "web1" || entries[0].Checks[0].ServiceTags == nil {
		t.Fatalf("entries: %+v %v", entries, err)
	}
	for _, path := range []string{"/v1/health/service/nope", "/v1/health/node/nope"} {
		resp, body := do(t, ts, "GET", path, nil)
		expectStatus(t, resp, body, http.StatusOK)
		if strings.TrimSpace(body) != "[]" {
			t.Errorf("%s: body %q, want []", path, body)
		}
	}
}

func TestHealthChecksEndpoints(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	if checks, _, err := client.Health().Checks("web", &api.QueryOptions{NodeMeta: map[string]string{"k": "v"}}); err != nil || len(checks) != 1 {
		t.Fatalf("checks: %v %v", checks, err)
	}
	if got := fa.lastCall(catalog.MethodHealthServiceChecks).(*catalog.ServiceRequest); got.ServiceName != "web" || got.NodeMetaFilters["k"] != "v" {
		t.Errorf("service checks request %+v", got)
	}
	if _, _, err := client.Health().State("warning", &api.QueryOptions{Filter: `Name == "x"`}); err != nil {
		t.Fatal(err)
	}
	if got := fa.lastCall(catalog.MethodHealthChecksInState).(*catalog.ChecksInStateRequest); got.State != "warning" || got.Filter != `Name == "x"` {
		t.Errorf("state request %+v", got)
	}
	for _, state := range []string{"maintenance", "bogus"} {
		resp, body := do(t, ts, "GET", "/v1/health/state/"+state, nil)
		expectStatus(t, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, "any, passing, warning, critical") {
			t.Errorf("state %s: body %q", state, body)
		}
	}
	for _, path := range []string{"/v1/health/service/", "/v1/health/checks/", "/v1/health/node/", "/v1/health/state/"} {
		resp, body := do(t, ts, "GET", path, nil)
		expectStatus(t, resp, body, http.StatusBadRequest)
	}
	resp, body := do(t, ts, "PUT", "/v1/health/node/node1", nil)
	expectStatus(t, resp, body, http.StatusMethodNotAllowed)
}
