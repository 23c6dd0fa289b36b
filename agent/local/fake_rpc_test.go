package local

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// fakeCatalog is the part of the servers anti-entropy talks to: one
// node's services and checks, and a count of writes.
type fakeCatalog struct {
	mu       sync.Mutex
	node     *catalog.Node
	services map[string]*catalog.NodeService
	checks   map[string]*catalog.HealthCheck
	writes   int
	fail     error // returned by every call while set
}

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{services: map[string]*catalog.NodeService{}, checks: map[string]*catalog.HealthCheck{}}
}

func (f *fakeCatalog) RPC(_ context.Context, method string, args, reply interface{}) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	switch method {
	case catalog.MethodCatalogNodeServices:
		out := reply.(*catalog.IndexedNodeServices)
		if f.node == nil {
			out.NodeServices = nil
			return nil
		}
		n := *f.node
		ns := &catalog.NodeServices{Node: &n, Services: map[string]*catalog.NodeService{}}
		for id, s := range f.services {
			ns.Services[id] = copyService(s)
		}
		out.NodeServices = ns
	case catalog.MethodHealthNodeChecks:
		out := reply.(*catalog.IndexedHealthChecks)
		out.HealthChecks = nil
		for _, c := range f.checks {
			out.HealthChecks = append(out.HealthChecks, copyCheck(c))
		}
	case catalog.MethodCatalogRegister:
		r := args.(*catalog.RegisterRequest)
		f.writes++
		f.node = &catalog.Node{ID: r.ID, Node: r.Node, Address: r.Address, TaggedAddresses: r.TaggedAddresses, Meta: r.NodeMeta}
		if r.Service != nil {
			f.services[r.Service.ID] = copyService(r.Service)
		}
		if r.Check != nil {
			f.checks[r.Check.CheckID] = copyCheck(r.Check)
		}
		for _, c := range r.Checks {
			f.checks[c.CheckID] = copyCheck(c)
		}
	case catalog.MethodCatalogDeregister:
		r := args.(*catalog.DeregisterRequest)
		f.writes++
		if r.ServiceID != "" {
			delete(f.services, r.ServiceID)
			for id, c := range f.checks {
				if c.ServiceID == r.ServiceID {
					delete(f.checks, id)
				}
			}
		}
		if r.CheckID != "" {
			delete(f.checks, r.CheckID)
		}
	default:
		return fmt.Errorf("fake catalog: unexpected method %s", method)
	}
	return nil
}

func (f *fakeCatalog) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

func (f *fakeCatalog) service(id string) *catalog.NodeService {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.services[id]; s != nil {
		return copyService(s)
	}
	return nil
}

func (f *fakeCatalog) check(id string) *catalog.HealthCheck {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.checks[id]; c != nil {
		return copyCheck(c)
	}
	return nil
}

// newTestState returns a state over a fake catalog that is not started:
// tests drive SyncFull and SyncChanges themselves.
func newTestState(t *testing.T, tune func(*Config)) (*State, *fakeCatalog) {
	t.Helper()
	fc := newFakeCatalog()
	cfg := Config{NodeName: "n1", NodeID: "3f1b4c2e-0000-4000-8000-000000000001", Datacenter: "dc1", Address: "127.0.0.1"}
	if tune != nil {
		tune(&cfg)
	}
	s, err := New(cfg, Deps{RPC: fc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, fc
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for i := 0; i < 100000 && !cond(); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
