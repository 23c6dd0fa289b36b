package server

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
)

// fakeFederation is a DatacenterSorter and RemoteQueryExecutor: it knows
// the datacenters it is given, in that order, and answers remote
// executions from a table, recording every call.
type fakeFederation struct {
	byDistance []string

	mu      sync.Mutex
	answers map[string]catalog.CheckServiceNodes // nil entry: the DC fails
	calls   []string
}

func (f *fakeFederation) Datacenters() []string { return f.byDistance }

func (f *fakeFederation) ExecuteRemote(_ context.Context, args *catalog.PreparedQueryExecuteRemoteRequest, reply *catalog.PreparedQueryExecuteResponse) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, args.Datacenter)
	nodes, ok := f.answers[args.Datacenter]
	if !ok {
		return catalog.ErrUnknownDC
	}
	*reply = catalog.PreparedQueryExecuteResponse{Service: args.Query.Service.Service, Nodes: nodes, Datacenter: args.Datacenter}
	return nil
}

func (f *fakeFederation) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

var _ DatacenterSorter = (*fakeFederation)(nil)
var _ RemoteQueryExecutor = (*fakeFederation)(nil)

func TestFailoverTargets(t *testing.T) {
	known := []string{"dc1", "dc3", "dc2", "dc4"}
	for _, tc := range []struct {
		f    catalog.QueryFailoverOptions
		want []string
	}{
		{catalog.QueryFailoverOptions{}, nil},
		{catalog.QueryFailoverOptions{NearestN: 2}, []string{"dc3", "dc2"}},
		{catalog.QueryFailoverOptions{NearestN: 9}, []string{"dc3", "dc2", "dc4"}},
		{catalog.QueryFailoverOptions{Datacenters: []string{"dc4", "dc1", "nowhere", "dc2"}}, []string{"dc4", "dc2"}},
		{catalog.QueryFailoverOptions{NearestN: 1, Datacenters: []string{"dc2", "dc3"}}, []string{"dc3", "dc2"}},
	} {
		if got := failoverTargets("dc1", known, tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: got %v want %v", tc.f, got, tc.want)
		}
	}
	if got := failoverTargets("dc1", wan.NewRouter("dc1").Datacenters(), catalog.QueryFailoverOptions{NearestN: 3, Datacenters: []string{"dc2"}}); got != nil {
		t.Errorf("a server whose router knows no other datacenter fails over to %v", got)
	}
}

// With every local instance critical, a query tries the nearest other
// datacenter, then its listed ones, and answers from the first that has
// instances; once the local instance passes again the answer is local and
// no other datacenter is asked.
func TestPreparedQueryFailoverOrder(t *testing.T) {
	fed := &fakeFederation{
		byDistance: []string{"dc1", "dc3", "dc2", "dc5"},
		answers: map[string]catalog.CheckServiceNodes{
			"dc3": nil, // reachable, no instances
			"dc2": {{Node: &catalog.Node{Node: "far", Address: "10.2.0.1", Datacenter: "dc2"},
				Service: &catalog.NodeService{ID: "web", Service: "web", Port: 80}}},
		},
	}
	gossip := &fakeLAN{}
	s, self := startTestServerWith(t, 1, gossip, nil, func(d *Deps) { d.Datacenters, d.RemoteQueries = fed, fed })
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	ctx := context.Background()

	register := func(status string) {
		t.Helper()
		req := &catalog.RegisterRequest{Node: "near", Address: "10.1.0.1",
			Service: &catalog.NodeService{ID: "web", Service: "web", Port: 80},
			Check:   &catalog.HealthCheck{CheckID: "web-check", ServiceID: "web", Status: status}}
		if err := s.RPC(ctx, catalog.MethodCatalogRegister, req, &struct{}{}); err != nil {
			t.Fatal(err)
		}
	}
	register(catalog.HealthCritical)
	var id string
	create := &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryCreate, Query: catalog.PreparedQuery{Name: "web",
		Service: catalog.ServiceQuery{Service: "web", Failover: catalog.QueryFailoverOptions{NearestN: 1, Datacenters: []string{"dc4", "dc2", "dc5"}}}}}
	if err := s.RPC(ctx, catalog.MethodPreparedQueryApply, create, &id); err != nil {
		t.Fatal(err)
	}
	execute := func() catalog.PreparedQueryExecuteResponse {
		t.Helper()
		var out catalog.PreparedQueryExecuteResponse
		if err := s.RPC(ctx, catalog.MethodPreparedQueryExecute, &catalog.PreparedQueryExecuteRequest{QueryIDOrName: "web"}, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}

	out := execute()
	// dc3 (nearest) has nothing, dc4 is unknown and skipped, dc2 answers;
	// dc5 is never asked.
	if calls := fed.takeCalls(); !reflect.DeepEqual(calls, []string{"dc3", "dc2"}) {
		t.Fatalf("asked %v, want [dc3 dc2]", calls)
	}
	if out.Datacenter != "dc2" || out.Failovers != 2 || len(out.Nodes) != 1 || out.Nodes[0].Node.Node != "far" {
		t.Fatalf("failover answer: dc %q failovers %d nodes %+v", out.Datacenter, out.Failovers, out.Nodes)
	}

	register(catalog.HealthPassing)
	out = execute()
	if calls := fed.takeCalls(); len(calls) != 0 {
		t.Fatalf("asked %v although dc1 has a healthy instance", calls)
	}
	if out.Datacenter != "dc1" || out.Failovers != 0 || len(out.Nodes) != 1 || out.Nodes[0].Node.Node != "near" {
		t.Fatalf("local answer: dc %q failovers %d nodes %+v", out.Datacenter, out.Failovers, out.Nodes)
	}

	// Every target failing leaves an empty answer that says how many
	// were asked.
	register(catalog.HealthCritical)
	fed.mu.Lock()
	delete(fed.answers, "dc2")
	fed.mu.Unlock()
	out = execute()
	if calls := fed.takeCalls(); !reflect.DeepEqual(calls, []string{"dc3", "dc2", "dc5"}) {
		t.Fatalf("asked %v, want [dc3 dc2 dc5]", calls)
	}
	if len(out.Nodes) != 0 || out.Failovers != 3 || out.Datacenter != "dc1" {
		t.Fatalf("nothing anywhere: dc %q failovers %d nodes %+v", out.Datacenter, out.Failovers, out.Nodes)
	}
}

// Without a federation the defaults know no other datacenter: a query
// with failover settings and no healthy instance answers empty, having
// asked nobody, and a direct remote execution is "No path to datacenter".
func TestPreparedQueryFailoverDefaultsKnowNoOtherDC(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	ctx := context.Background()
	req := &catalog.RegisterRequest{Node: "n1", Address: "10.1.0.1",
		Service: &catalog.NodeService{ID: "web", Service: "web"},
		Check:   &catalog.HealthCheck{CheckID: "c", ServiceID: "web", Status: catalog.HealthCritical}}
	if err := s.RPC(ctx, catalog.MethodCatalogRegister, req, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := s.RPC(ctx, catalog.MethodPreparedQueryApply, &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryCreate,
		Query: catalog.PreparedQuery{Name: "web", Service: catalog.ServiceQuery{Service: "web",
			Failover: catalog.QueryFailoverOptions{NearestN: 3, Datacenters: []string{"dc2"}}}}}, &id); err != nil {
		t.Fatal(err)
	}
	var out catalog.PreparedQueryExecuteResponse
	if err := s.RPC(ctx, catalog.MethodPreparedQueryExecute, &catalog.PreparedQueryExecuteRequest{QueryIDOrName: id}, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Nodes) != 0 || out.Failovers != 0 || out.Datacenter != "dc1" {
		t.Fatalf("got %+v", out)
	}
	err := routedExecutor{s: s}.ExecuteRemote(ctx, &catalog.PreparedQueryExecuteRemoteRequest{
		QueryOptions: catalog.QueryOptions{Datacenter: "dc2"}, Query: catalog.PreparedQuery{Service: catalog.ServiceQuery{Service: "web"}}}, &out)
	if !errors.Is(err, catalog.ErrUnknownDC) {
		t.Fatalf("remote execution without a federation: %v", err)
	}
}
