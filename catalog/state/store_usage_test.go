package state

import (
	"reflect"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

func TestUsage(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regService("node-a", "10.0.0.1", "web-1", "web"))
	mustRegister(t, s, 2, regService("node-b", "10.0.0.2", "web-2", "web"))
	req := regService("node-b", "10.0.0.2", "db-1", "db")
	req.Checks = catalog.HealthChecks{
		{Node: "node-b", CheckID: "c1", Name: "c1", Status: catalog.HealthPassing},
		{Node: "node-b", CheckID: "c2", Name: "c2", Status: catalog.HealthCritical},
	}
	mustRegister(t, s, 3, req)
	mustKVSet(t, s, 4, "a", "1")
	mustKVSet(t, s, 5, "b", "2")

	u, err := s.Usage()
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Nodes: 2, Services: 2, ServiceInstances: 3, KVEntries: 2,
		Checks: map[string]int{catalog.HealthPassing: 1, catalog.HealthCritical: 1}}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("Usage = %+v, want %+v", u, want)
	}
}
