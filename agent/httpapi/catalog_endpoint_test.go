package httpapi

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/catalog"
)

func TestCatalogWithConsulClient(t *testing.T) {
	fa, _, client := newTestServer(t, nil)
	cat := client.Catalog()

	regs := []*api.CatalogRegistration{
		{
			Node: "web1", Address: "10.0.0.10", NodeMeta: map[string]string{"rack": "a"},
			Service: &api.AgentService{Service: "web", Tags: []string{"v1", "primary"}, Port: 80, Meta: map[string]string{"team": "x"}},
			Check:   &api.AgentCheck{Name: "web alive", Status: api.HealthPassing, ServiceID: "web"},
		},
		{
			Node: "web2", Address: "10.0.0.11", NodeMeta: map[string]string{"rack": "b"},
			Service: &api.AgentService{ID: "web-2", Service: "web", Tags: []string{"v1"}, Port: 8080,
				Weights: api.AgentWeights{Passing: 5, Warning: 2}},
		},
		{Node: "db1", Address: "10.0.0.20", Service: &api.AgentService{Service: "db"}},
	}
	for _, reg := range regs {
		if _, err := cat.Register(reg, nil); err != nil {
			t.Fatalf("Register %s: %v", reg.Node, err)
		}
	}
	args := fa.lastCall(catalog.MethodCatalogRegister).(*catalog.RegisterRequest)
	if args.Datacenter != "dc1" || args.Service.ID != "db" || *args.Service.Weights != (catalog.Weights{Passing: 1, Warning: 1}) {
		t.Errorf("register defaults not filled: %+v %+v", args, args.Service)
	}

	dcs, err := cat.Datacenters()
	if err != nil || !reflect.DeepEqual(dcs, []string{"dc1"}) {
		t.Errorf("Datacenters: %v %v", dcs, err)
	}

	nodes, meta, err := cat.Nodes(nil)
	if err != nil || len(nodes) != 3 || meta.LastIndex == 0 {
		t.Fatalf("Nodes: %d %v %+v", len(nodes), err, meta)
	}
	if nodes[1].Node != "web1" || nodes[1].Address != "10.0.0.10" || nodes[1].Meta["rack"] != "a" || nodes[1].Datacenter != "dc1" {
		t.Errorf("node %+v", nodes[1])
	}
	nodes, _, err = cat.Nodes(&api.QueryOptions{NodeMeta: map[string]string{"rack": "b"}})
	if err != nil || len(nodes) != 1 || nodes[0].Node != "web2" {
		t.Errorf("Nodes by meta: %+v %v", nodes, err)
	}

	services, _, err := cat.Services(nil)
	if err != nil || len(services) != 2 || len(services["web"]) != 2 || services["db"] == nil {
		t.Errorf("Services: %v %v", services, err)
	}
	services, _, err = cat.Services(&api.QueryOptions{NodeMeta: map[string]string{"rack": "b"}})
	if err != nil || !reflect.DeepEqual(services, map[string][]string{"web": {"v1"}}) {
		t.Errorf("Services by meta: %v %v", services, err)
	}

	inst, _, err := cat.Service("web", "primary", nil)
	if err != nil || len(inst) != 1 {
		t.Fatalf("Service with tag: %+v %v", inst, err)
	}
	if inst[0].ServiceID != "web" || inst[0].ServicePort != 80 || inst[0].Node != "web1" || inst[0].ServiceMeta["team"] != "x" ||
		inst[0].ServiceWeights != (api.Weights{Passing: 1, Warning: 1}) || inst[0].NodeMeta["rack"] != "a" {
		t.Errorf("instance %+v", inst[0])
	}
	inst, _, err = cat.ServiceMultipleTags("web", []string{"v1"}, nil)
	if err != nil || len(inst) != 2 || inst[1].ServiceWeights != (api.Weights{Passing: 5, Warning: 2}) {
		t.Errorf("Service by v1: %+v %v", inst, err)
	}
	inst, _, err = cat.Service("nothing", "", nil)
	if err != nil || inst == nil || len(inst) != 0 {
		t.Errorf("unknown service: %#v %v", inst, err)
	}

	node, _, err := cat.Node("web2", nil)
	if err != nil || node == nil || node.Node.Address != "10.0.0.11" || node.Services["web-2"] == nil ||
		node.Services["web-2"].Port != 8080 || node.Services["web-2"].Weights.Passing != 5 {
		t.Fatalf("Node: %+v %v", node, err)
	}
	node, _, err = cat.Node("ghost", nil)
	if err != nil || node != nil {
		t.Errorf("unknown node: %+v %v", node, err)
	}

	if _, err := cat.Deregister(&api.CatalogDeregistration{Node: "db1"}, nil); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	if nodes, _, _ := cat.Nodes(nil); len(nodes) != 2 {
		t.Errorf("%d nodes after deregister", len(nodes))
	}
}

func TestCatalogRawHTTP(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	bad := []struct{ path, body, want string }{
		{"/v1/catalog/register", `{"Address":"10.0.0.1"}`, "Must provide node"},
		{"/v1/catalog/register", `{"Node":"n1"}`, "Must provide address if SkipNodeUpdate is not set"},
		{"/v1/catalog/register", `{"Node":"n1","Address":"a","Service":{"Port":80}}`, "Must provide service name (Service.Service)"},
		{"/v1/catalog/register", `{"Node":"n1","Address":"a","Check":{"Name":"c","Status":"sick"}}`, `Invalid check status "sick"`},
		{"/v1/catalog/register", `{"Node":"n1","Address":"a","Checks":[{"CheckID":"c","Node":"n2"}]}`, `Check node "n2" does not match`},
		{"/v1/catalog/register", `{"Node":"n1","Address":"a","Checks":[{"Status":"passing"}]}`, "Must provide a check ID or name"},
		{"/v1/catalog/deregister", `{}`, "Must provide node"},
	}
	for _, c := range bad {
		resp, body := do(t, ts, "PUT", c.path, strings.NewReader(c.body))
		expectStatus(t, resp, body, http.StatusBadRequest)
		if !strings.HasPrefix(body, c.want) {
			t.Errorf("%s: body %q, want %q", c.body, body, c.want)
		}
	}
	if n := fa.countCalls(catalog.MethodCatalogRegister) + fa.countCalls(catalog.MethodCatalogDeregister); n != 0 {
		t.Errorf("%d RPCs for rejected bodies", n)
	}

	// The body's Datacenter wins over ?dc=; the token comes from the request.
	resp, body := do(t, ts, "PUT", "/v1/catalog/register?dc=dc7",
		strings.NewReader(`{"Datacenter":"dc1","Node":"n1","Address":"a","Check":{"Name":"alive"}}`), "X-Consul-Token", "tok")
	expectStatus(t, resp, body, http.StatusOK)
	if body != "true" {
		t.Errorf("register answered %q", body)
	}
	args := fa.lastCall(catalog.MethodCatalogRegister).(*catalog.RegisterRequest)
	if args.Datacenter != "dc1" || args.Token != "tok" || args.Check.CheckID != "alive" || args.Check.Node != "n1" {
		t.Errorf("register args %+v check %+v", args.WriteRequest, args.Check)
	}

	// Absent maps and lists render as {} and [].
	resp, body = do(t, ts, "GET", "/v1/catalog/nodes", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `"TaggedAddresses":{}`) || !strings.Contains(body, `"Meta":{}`) {
		t.Errorf("nodes JSON %s", body)
	}
	do(t, ts, "PUT", "/v1/catalog/register", strings.NewReader(`{"Node":"n1","Address":"a","Service":{"Service":"s"}}`))
	_, body = do(t, ts, "GET", "/v1/catalog/service/s", nil)
	for _, want := range []string{`"ServiceTags":[]`, `"ServiceMeta":{}`, `"NodeMeta":{}`, `"ServiceWeights":{"Passing":1,"Warning":1}`} {
		if !strings.Contains(body, want) {
			t.Errorf("service JSON lacks %s: %s", want, body)
		}
	}
	_, body = do(t, ts, "GET", "/v1/catalog/services", nil)
	if body != `{"s":[]}` {
		t.Errorf("services JSON %s", body)
	}
	resp, body = do(t, ts, "GET", "/v1/catalog/node/ghost", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != "null" || resp.Header.Get("X-Consul-Index") == "" {
		t.Errorf("unknown node: %q", body)
	}
	resp, body = do(t, ts, "GET", "/v1/catalog/service/", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)
}
