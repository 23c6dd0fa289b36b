package state

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

const (
	uuid1 = "11111111-2222-3333-4444-555555555555"
	uuid2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
)

func TestRegisterAndList(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, &catalog.RegisterRequest{
		WriteRequest:    catalog.WriteRequest{Datacenter: "dc1"},
		ID:              uuid1,
		Node:            "node-b",
		Address:         "10.0.0.2",
		TaggedAddresses: map[string]string{"wan": "1.2.3.4"},
		NodeMeta:        map[string]string{"rack": "r1"},
		Service:         &catalog.NodeService{ID: "web-2", Service: "web", Tags: []string{"Primary", "v2"}, Port: 80},
	})
	mustRegister(t, s, 2, regService("node-a", "10.0.0.1", "web-1", "web", "v1"))
	mustRegister(t, s, 3, regService("node-a", "10.0.0.1", "web-0", "web", "primary", "v1"))
	mustRegister(t, s, 4, regService("node-a", "10.0.0.1", "", "db"))

	idx, nodes, err := s.Nodes(nil)
	if err != nil || idx != 2 || len(nodes) != 2 || nodes[0].Node != "node-a" || nodes[1].Node != "node-b" {
		t.Fatalf("Nodes = %d %+v %v", idx, nodes, err)
	}
	idx, services, err := s.Services(nil)
	want := map[string][]string{"web": {"Primary", "primary", "v1", "v2"}, "db": {}}
	if err != nil || idx != 4 || !reflect.DeepEqual(services, want) {
		t.Fatalf("Services = %d %v %v, want %v", idx, services, err, want)
	}

	tagCases := []struct {
		tags []string
		want []string // node/serviceID
	}{
		{nil, []string{"node-a/web-0", "node-a/web-1", "node-b/web-2"}},
		{[]string{"PRIMARY"}, []string{"node-a/web-0", "node-b/web-2"}},
		{[]string{"primary", "v1"}, []string{"node-a/web-0"}},
		{[]string{"v3"}, nil},
	}
	for _, tc := range tagCases {
		idx, rows, err := s.ServiceNodes(nil, "web", tc.tags)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Node+"/"+r.ServiceID)
		}
		if !reflect.DeepEqual(got, tc.want) || idx != 3 {
			t.Errorf("ServiceNodes(web, %v) = %d %v, want 3 %v", tc.tags, idx, got, tc.want)
		}
	}

	_, rows, _ := s.ServiceNodes(nil, "WEB", []string{"v2"})
	if len(rows) != 1 {
		t.Fatalf("case-insensitive service lookup found %d rows", len(rows))
	}
	r := rows[0]
	if r.ID != uuid1 || r.Address != "10.0.0.2" || r.Datacenter != "dc1" || r.TaggedAddresses["wan"] != "1.2.3.4" ||
		r.NodeMeta["rack"] != "r1" || r.ServicePort != 80 || r.ServiceWeights != (catalog.Weights{Passing: 1, Warning: 1}) {
		t.Fatalf("joined row %+v", r)
	}

	_, ns, err := s.NodeServices(nil, "NODE-A")
	if err != nil || ns == nil || ns.Node.Node != "node-a" || len(ns.Services) != 3 || ns.Services["db"].Service != "db" {
		t.Fatalf("NodeServices = %+v %v", ns, err)
	}
	if _, ns, _ := s.NodeServices(nil, "nope"); ns != nil {
		t.Fatalf("NodeServices(unknown) = %+v", ns)
	}
	if _, n, _ := s.GetNode(nil, "nope"); n != nil {
		t.Fatalf("GetNode(unknown) = %+v", n)
	}
}

func TestRegistrationChecks(t *testing.T) {
	s := newStore(t)
	req := regService("n1", "10.0.0.1", "web-1", "web", "v1")
	req.Check = &catalog.HealthCheck{Name: "node alive"}
	req.Checks = catalog.HealthChecks{
		{CheckID: "web-http", ServiceID: "web-1", ServiceName: "ignored", Status: catalog.HealthPassing},
	}
	mustRegister(t, s, 5, req)

	_, checks, err := s.NodeChecks(nil, "n1")
	if err != nil || len(checks) != 2 {
		t.Fatalf("NodeChecks = %+v %v", checks, err)
	}
	node, svc := checks[0], checks[1]
	if node.CheckID != "node alive" || node.Node != "n1" || node.Status != catalog.HealthCritical || node.ServiceName != "" {
		t.Fatalf("node check %+v", node)
	}
	if svc.ServiceName != "web" || !reflect.DeepEqual(svc.ServiceTags, []string{"v1"}) || svc.CreateIndex != 5 {
		t.Fatalf("service check %+v", svc)
	}
	idx, byService, _ := s.ServiceChecks(nil, "web")
	if idx != 5 || len(byService) != 1 || byService[0].CheckID != "web-http" {
		t.Fatalf("ServiceChecks = %d %+v", idx, byService)
	}
	for state, want := range map[string]int{"any": 2, "critical": 1, "passing": 1, "warning": 0} {
		_, got, err := s.ChecksInState(nil, state)
		if err != nil || len(got) != want {
			t.Errorf("ChecksInState(%s) = %d checks, %v; want %d", state, len(got), err, want)
		}
	}
	if _, _, err := s.ChecksInState(nil, "bogus"); err == nil {
		t.Error("ChecksInState(bogus) accepted")
	}

	// Retagging the service carries the new tags to its checks.
	mustRegister(t, s, 6, regService("n1", "10.0.0.1", "web-1", "web", "v2"))
	_, byService, _ = s.ServiceChecks(nil, "web")
	if !reflect.DeepEqual(byService[0].ServiceTags, []string{"v2"}) {
		t.Fatalf("check tags after retag: %v", byService[0].ServiceTags)
	}
}

func TestRegistrationRejectsInvalidInput(t *testing.T) {
	cases := []struct {
		name string
		req  *catalog.RegisterRequest
		want string
	}{
		{"no node", &catalog.RegisterRequest{Address: "1.1.1.1"}, "missing node"},
		{"bad node ID", &catalog.RegisterRequest{Node: "x", ID: "not-a-uuid"}, "invalid node ID"},
		{"service without name", &catalog.RegisterRequest{Node: "x", Service: &catalog.NodeService{ID: "a"}}, "missing service name"},
		{"unknown service ID", &catalog.RegisterRequest{Node: "x", Check: &catalog.HealthCheck{CheckID: "c", ServiceID: "nope"}}, "unknown service ID"},
		{"bad status", &catalog.RegisterRequest{Node: "x", Check: &catalog.HealthCheck{CheckID: "c", Status: "fine"}}, "invalid status"},
		{"check without ID", &catalog.RegisterRequest{Node: "x", Checks: catalog.HealthChecks{{}}}, "missing check ID"},
		{"check for other node", &catalog.RegisterRequest{Node: "x", Check: &catalog.HealthCheck{Node: "y", CheckID: "c"}}, "does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			err := s.EnsureRegistration(9, time.Time{}, tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !catalog.IsBadRequest(err) {
				t.Fatalf("err = %v, want bad request containing %q", err, tc.want)
			}
			if _, nodes, _ := s.Nodes(nil); len(nodes) != 0 || s.LastIndex() != 0 {
				t.Fatalf("rejected registration left %d nodes, LastIndex %d", len(nodes), s.LastIndex())
			}
		})
	}
}

func TestUnchangedRegistrationKeepsIndexes(t *testing.T) {
	s := newStore(t)
	req := regService("n1", "10.0.0.1", "web-1", "web", "v1")
	req.Check = &catalog.HealthCheck{CheckID: "c", ServiceID: "web-1", Status: catalog.HealthPassing}
	mustRegister(t, s, 1, req)
	mustRegister(t, s, 2, req)
	if got := s.LastIndex(); got != 1 {
		t.Fatalf("LastIndex %d after identical registration, want 1", got)
	}
}

func TestServiceIndexes(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regService("n1", "10.0.0.1", "web-1", "web"))
	mustRegister(t, s, 2, regService("n2", "10.0.0.2", "db-1", "db"))
	serviceIdx := func(name string) uint64 {
		idx, _, err := s.ServiceNodes(nil, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	if serviceIdx("web") != 1 || serviceIdx("db") != 2 {
		t.Fatalf("web %d db %d, want 1 and 2", serviceIdx("web"), serviceIdx("db"))
	}
	// A node's address is part of every service row on it.
	if err := s.EnsureNode(3, time.Time{}, &catalog.Node{Node: "n1", Address: "10.0.0.9"}); err != nil {
		t.Fatal(err)
	}
	if serviceIdx("web") != 3 || serviceIdx("db") != 2 {
		t.Fatalf("after address change: web %d db %d, want 3 and 2", serviceIdx("web"), serviceIdx("db"))
	}
	// A node-level check counts for every service on the node.
	mustRegister(t, s, 4, &catalog.RegisterRequest{Node: "n2", SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: "mem", Status: catalog.HealthWarning}})
	if serviceIdx("db") != 4 {
		t.Fatalf("db %d after node check, want 4", serviceIdx("db"))
	}
	if err := s.DeleteService(5, time.Time{}, "n2", "db-1"); err != nil {
		t.Fatal(err)
	}
	if serviceIdx("db") != 5 {
		t.Fatalf("db %d after last instance deleted, want 5", serviceIdx("db"))
	}
	if serviceIdx("never-registered") != 5 {
		t.Fatalf("unknown service index %d, want services table index 5", serviceIdx("never-registered"))
	}
}

func TestDeletesCascade(t *testing.T) {
	s := newStore(t)
	req := regService("n1", "10.0.0.1", "web-1", "web")
	req.Checks = catalog.HealthChecks{
		{CheckID: "svc", ServiceID: "web-1"},
		{CheckID: "node"},
	}
	mustRegister(t, s, 1, req)
	mustRegister(t, s, 2, regService("n1", "10.0.0.1", "api-1", "api"))

	if err := s.DeleteService(3, time.Time{}, "n1", "web-1"); err != nil {
		t.Fatal(err)
	}
	if _, checks, _ := s.NodeChecks(nil, "n1"); len(checks) != 1 || checks[0].CheckID != "node" {
		t.Fatalf("checks after service delete: %+v", checks)
	}
	if err := s.DeleteCheck(4, time.Time{}, "n1", "node"); err != nil {
		t.Fatal(err)
	}
	if idx, checks, _ := s.NodeChecks(nil, "n1"); len(checks) != 0 || idx != 4 {
		t.Fatalf("NodeChecks after check delete: %d %+v", idx, checks)
	}
	for _, del := range []func() error{
		func() error { return s.DeleteService(5, time.Time{}, "n1", "missing") },
		func() error { return s.DeleteCheck(5, time.Time{}, "n1", "missing") },
		func() error { return s.DeleteNode(5, time.Time{}, "missing") },
	} {
		if err := del(); err != nil {
			t.Fatal(err)
		}
	}
	if s.LastIndex() != 4 {
		t.Fatalf("deleting missing objects moved LastIndex to %d", s.LastIndex())
	}
	if err := s.DeleteNode(6, time.Time{}, "N1"); err != nil {
		t.Fatal(err)
	}
	if _, rows, _ := s.ServiceNodes(nil, "api", nil); len(rows) != 0 {
		t.Fatalf("services survived node delete: %+v", rows)
	}
	if idx, _, _ := s.ServiceNodes(nil, "api", nil); idx != 6 {
		t.Fatalf("api index %d after node delete, want 6", idx)
	}
}

func TestNodeIdentity(t *testing.T) {
	s := newStore(t)
	if err := s.EnsureNode(1, time.Time{}, &catalog.Node{Node: "n1", ID: uuid1, Address: "a"}); err != nil {
		t.Fatal(err)
	}
	// Another identity may not take a live node's name.
	err := s.EnsureNode(2, time.Time{}, &catalog.Node{Node: "N1", ID: uuid2, Address: "b"})
	if err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Fatalf("name takeover: %v", err)
	}
	// A registration that omits the ID keeps it.
	if err := s.EnsureNode(3, time.Time{}, &catalog.Node{Node: "n1", Address: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.GetNode(nil, "n1"); n.ID != uuid1 || n.Address != "c" || n.CreateIndex != 1 || n.ModifyIndex != 3 {
		t.Fatalf("node after update %+v", n)
	}
	// The same identity under a new name renames the node.
	if err := s.EnsureNode(4, time.Time{}, &catalog.Node{Node: "n1-renamed", ID: uuid1, Address: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, nodes, _ := s.Nodes(nil); len(nodes) != 1 || nodes[0].Node != "n1-renamed" {
		t.Fatalf("nodes after rename %+v", nodes)
	}
	// Once the holder is dead, a new identity may take the name.
	mustRegister(t, s, 5, &catalog.RegisterRequest{Node: "n1-renamed", SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Status: catalog.HealthCritical}})
	if err := s.EnsureNode(6, time.Time{}, &catalog.Node{Node: "n1-renamed", ID: uuid2, Address: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.GetNode(nil, "n1-renamed"); n.ID != uuid2 || n.CreateIndex != 6 {
		t.Fatalf("node after takeover %+v", n)
	}
}
