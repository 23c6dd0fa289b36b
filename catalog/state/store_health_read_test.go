package state

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

func serfCheck(node, status string) *catalog.RegisterRequest {
	return &catalog.RegisterRequest{
		Node: node, SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: catalog.SerfCheckID, Name: catalog.SerfCheckName, Status: status},
	}
}

func serviceCheck(node, serviceID, checkID, status string) *catalog.RegisterRequest {
	return &catalog.RegisterRequest{
		Node: node, SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: checkID, ServiceID: serviceID, Status: status},
	}
}

// seedHealth: web on n1 (passing) and n2 (warning), db on n3, each node
// with a passing serfHealth; n1 also runs db-on-n1 of service db.
func seedHealth(t *testing.T) *Store {
	s := newStore(t)
	mustRegister(t, s, 1, regService("n1", "10.0.0.1", "web1", "web", "v1"))
	mustRegister(t, s, 2, regService("n2", "10.0.0.2", "web2", "web", "v2"))
	mustRegister(t, s, 3, regService("n3", "10.0.0.3", "db1", "db"))
	mustRegister(t, s, 4, regService("n1", "10.0.0.1", "db-on-n1", "db"))
	for i, n := range []string{"n1", "n2", "n3"} {
		mustRegister(t, s, uint64(5+i), serfCheck(n, catalog.HealthPassing))
	}
	mustRegister(t, s, 8, serviceCheck("n1", "web1", "web1-http", catalog.HealthPassing))
	mustRegister(t, s, 9, serviceCheck("n2", "web2", "web2-http", catalog.HealthWarning))
	mustRegister(t, s, 10, serviceCheck("n3", "db1", "db1-tcp", catalog.HealthPassing))
	mustRegister(t, s, 11, serviceCheck("n1", "db-on-n1", "db-on-n1-tcp", catalog.HealthCritical))
	return s
}

func checkIDs(csn *catalog.CheckServiceNode) []string {
	var out []string
	for _, hc := range csn.Checks {
		out = append(out, hc.CheckID)
	}
	return out
}

func TestCheckServiceNodes(t *testing.T) {
	s := seedHealth(t)

	idx, got, err := s.CheckServiceNodes(nil, "web", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Node.Node != "n1" || got[1].Node.Node != "n2" {
		t.Fatalf("instances: %+v", got)
	}
	if got[0].Service.ID != "web1" || got[0].Node.Address != "10.0.0.1" {
		t.Fatalf("first instance: %+v %+v", got[0].Service, got[0].Node)
	}
	// The node's checks apply, another service's checks on the node do not.
	if ids := checkIDs(got[0]); !reflect.DeepEqual(ids, []string{catalog.SerfCheckID, "web1-http"}) {
		t.Fatalf("n1 checks: %v", ids)
	}
	if idx != 9 {
		t.Fatalf("index %d, want 9 (web's last change)", idx)
	}

	_, passing, _ := s.CheckServiceNodes(nil, "web", nil, true)
	if len(passing) != 1 || passing[0].Service.ID != "web1" {
		t.Fatalf("passing: %+v", passing)
	}
	_, tagged, _ := s.CheckServiceNodes(nil, "WEB", []string{"V2"}, false)
	if len(tagged) != 1 || tagged[0].Service.ID != "web2" {
		t.Fatalf("tag v2: %+v", tagged)
	}
	_, db, _ := s.CheckServiceNodes(nil, "db", nil, true)
	if len(db) != 1 || db[0].Service.ID != "db1" {
		t.Fatalf("passing db: %+v", db)
	}

	idx, none, err := s.CheckServiceNodes(nil, "nope", nil, false)
	if err != nil || none == nil || len(none) != 0 || idx == 0 {
		t.Fatalf("unknown service: idx=%d %v %v", idx, none, err)
	}
}

// The answer hands out the store's rows: a later write replaces them and
// leaves an answer already given as it was, and each instance's check
// list is its own, even for instances sharing a node.
func TestCheckServiceNodesSharesRowsThatWritesDoNotChange(t *testing.T) {
	s := seedHealth(t)
	mustRegister(t, s, 12, regService("n1", "10.0.0.1", "web3", "web"))
	mustRegister(t, s, 13, serviceCheck("n1", "web3", "web3-http", catalog.HealthPassing))

	_, before, err := s.CheckServiceNodes(nil, "web", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 3 || before[0].Service.ID != "web1" || before[1].Service.ID != "web3" {
		t.Fatalf("instances: %+v", before)
	}
	if before[0].Node != before[1].Node {
		t.Fatal("two instances on n1 got different node rows")
	}
	if ids := checkIDs(before[1]); !reflect.DeepEqual(ids, []string{catalog.SerfCheckID, "web3-http"}) {
		t.Fatalf("web3 checks: %v", ids)
	}
	_ = append(before[0].Checks, &catalog.HealthCheck{CheckID: "appended"})
	if ids := checkIDs(before[1]); !reflect.DeepEqual(ids, []string{catalog.SerfCheckID, "web3-http"}) {
		t.Fatalf("appending to web1's checks changed web3's: %v", ids)
	}

	mustRegister(t, s, 14, serviceCheck("n1", "web1", "web1-http", catalog.HealthCritical))
	mustRegister(t, s, 15, regService("n1", "10.0.0.99", "web1", "web"))
	if before[0].Checks[1].Status != catalog.HealthPassing || before[0].Node.Address != "10.0.0.1" {
		t.Fatalf("a write changed an answer already given: %+v %+v", before[0].Checks[1], before[0].Node)
	}
	_, after, _ := s.CheckServiceNodes(nil, "web", nil, false)
	if after[0].Checks[1].Status != catalog.HealthCritical || after[0].Node.Address != "10.0.0.99" {
		t.Fatalf("new read: %+v %+v", after[0].Checks[1], after[0].Node)
	}
}

// The services index orders nodes by lower-cased name; the answer is
// ordered by the name as registered.
func TestCheckServiceNodesOrderByNodeName(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regService("a-node", "10.0.0.1", "web-a", "web"))
	mustRegister(t, s, 2, regService("B-node", "10.0.0.2", "web-b2", "web"))
	mustRegister(t, s, 3, regService("B-node", "10.0.0.2", "web-b1", "web"))
	_, got, err := s.CheckServiceNodes(nil, "web", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, csn := range got {
		ids = append(ids, csn.Node.Node+"/"+csn.Service.ID)
	}
	if want := []string{"B-node/web-b1", "B-node/web-b2", "a-node/web-a"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("order %v, want %v", ids, want)
	}
}

func TestCheckServiceNodesPassingExcludesEveryNonPassingState(t *testing.T) {
	for _, status := range []string{catalog.HealthWarning, catalog.HealthCritical, catalog.HealthMaint} {
		s := newStore(t)
		mustRegister(t, s, 1, regService("n1", "10.0.0.1", "web1", "web"))
		mustRegister(t, s, 2, serfCheck("n1", status))
		if _, got, _ := s.CheckServiceNodes(nil, "web", nil, true); len(got) != 0 {
			t.Fatalf("node check %s: instance still passing", status)
		}
	}
}

func TestCheckServiceNodesWatches(t *testing.T) {
	read := func(s *Store, ws memdb.WatchSet) uint64 {
		idx, _, err := s.CheckServiceNodes(ws, "web", nil, false)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	cases := []struct {
		name  string
		write func(s *Store) error
		fire  bool // the watch fires and the index moves
	}{
		{"own node's serfHealth goes critical", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, serfCheck("n1", catalog.HealthCritical))
		}, true},
		{"own service check changes", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, serviceCheck("n2", "web2", "web2-http", catalog.HealthCritical))
		}, true},
		{"own node's address changes", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, &catalog.RegisterRequest{Node: "n2", Address: "10.9.9.9"})
		}, true},
		{"new instance", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, regService("n3", "10.0.0.3", "web3", "web"))
		}, true},
		{"own check deleted", func(s *Store) error { return s.DeleteCheck(20, time.Time{}, "n1", "web1-http") }, true},
		{"other service's check on another node", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, serviceCheck("n3", "db1", "db1-tcp", catalog.HealthCritical))
		}, false},
		{"other node's serfHealth", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, serfCheck("n3", catalog.HealthCritical))
		}, false},
		{"other service registered elsewhere", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, regService("n4", "10.0.0.4", "cache1", "cache"))
		}, false},
		{"unchanged re-registration", func(s *Store) error {
			return s.EnsureRegistration(20, time.Time{}, serviceCheck("n1", "web1", "web1-http", catalog.HealthPassing))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := seedHealth(t)
			ws := memdb.NewWatchSet()
			before := read(s, ws)
			if err := tc.write(s); err != nil {
				t.Fatal(err)
			}
			if got := fired(ws); got != tc.fire {
				t.Fatalf("watch fired = %v, want %v", got, tc.fire)
			}
			after := read(s, nil)
			if moved := after != before; moved != tc.fire {
				t.Fatalf("index %d -> %d; want moved=%v", before, after, tc.fire)
			}
		})
	}
}

// A check on a node that shares no service with the watcher's service may
// still fire the watch when both services run on that node (the node's
// checks are watched as a whole), but the index must not move, so a
// blocking query goes back to waiting.
func TestCheckServiceNodesSameNodeOtherServiceKeepsIndex(t *testing.T) {
	s := seedHealth(t)
	before, _, _ := s.CheckServiceNodes(nil, "web", nil, false)
	mustRegister(t, s, 20, serviceCheck("n1", "db-on-n1", "db-on-n1-tcp", catalog.HealthPassing))
	if after, _, _ := s.CheckServiceNodes(nil, "web", nil, false); after != before {
		t.Fatalf("index moved %d -> %d for another service's check", before, after)
	}
}

func TestCheckServiceNodesWatchLimitFallsBack(t *testing.T) {
	s := newStore(t)
	n := watchLimit/2 + 10
	for i := 0; i < n; i++ {
		node := fmt.Sprintf("n%04d", i)
		mustRegister(t, s, uint64(2*i+1), regService(node, "10.1.0.1", "web", "web"))
		mustRegister(t, s, uint64(2*i+2), serfCheck(node, catalog.HealthPassing))
	}
	ws := memdb.NewWatchSet()
	_, got, err := s.CheckServiceNodes(ws, "web", nil, false)
	if err != nil || len(got) != n {
		t.Fatalf("%d instances, err %v", len(got), err)
	}
	if len(ws) > watchLimit+2 {
		t.Fatalf("watch set holds %d channels", len(ws))
	}
	// The last node is beyond the limit: its change must still fire.
	mustRegister(t, s, uint64(3*n), serfCheck(fmt.Sprintf("n%04d", n-1), catalog.HealthCritical))
	if !fired(ws) {
		t.Fatal("change past the watch limit did not fire")
	}
}

// BenchmarkCheckServiceNodes reads 200 instances, each on its own node with
// a node check and a service check, beside a varying number of other
// services' instances: the cost should not grow with the others.
func BenchmarkCheckServiceNodes(b *testing.B) {
	for _, others := range []int{0, 10000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			s := newStore(b)
			idx := uint64(0)
			add := func(prefix, service string, i int) {
				node := fmt.Sprintf("%s-%d", prefix, i)
				id := fmt.Sprintf("%s-%d", service, i)
				idx++
				mustRegister(b, s, idx, &catalog.RegisterRequest{
					Node: node, Address: "10.0.0.1",
					Service: &catalog.NodeService{ID: id, Service: service, Port: 80},
					Checks: catalog.HealthChecks{
						{CheckID: "node-alive", Status: catalog.HealthPassing},
						{CheckID: id + "-check", ServiceID: id, Status: catalog.HealthPassing},
					},
				})
			}
			for i := 0; i < 200; i++ {
				add("web-node", "web", i)
			}
			for i := 0; i < others; i++ {
				add("other-node", fmt.Sprintf("other-%d", i%100), i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ws := memdb.NewWatchSet()
				if _, got, err := s.CheckServiceNodes(ws, "web", nil, true); err != nil || len(got) != 200 {
					b.Fatalf("%d instances, %v", len(got), err)
				}
			}
		})
	}
}
