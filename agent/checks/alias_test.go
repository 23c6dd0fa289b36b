package checks

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// fakeAlias is an AliasSource whose answer the test sets; reads block
// until the index passes minIndex, like a blocking query.
type fakeAlias struct {
	mu      sync.Mutex
	res     AliasResult
	err     error
	changed chan struct{}
	calls   int
	node    string
}

func newFakeAlias() *fakeAlias { return &fakeAlias{changed: make(chan struct{})} }

func (f *fakeAlias) set(res AliasResult, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.res, f.err = res, err
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeAlias) AliasChecks(ctx context.Context, node, serviceID string, minIndex uint64) (AliasResult, error) {
	for {
		f.mu.Lock()
		f.calls++
		f.node = node
		res, err, changed := f.res, f.err, f.changed
		f.mu.Unlock()
		if err != nil || res.Index > minIndex || minIndex == 0 {
			return res, err
		}
		select {
		case <-ctx.Done():
			return AliasResult{}, ctx.Err()
		case <-changed:
		}
	}
}

func TestAliasAggregate(t *testing.T) {
	c := &aliasCheck{service: "web"}
	chk := func(svc, name, status string) catalog.HealthCheck {
		return catalog.HealthCheck{ServiceID: svc, Name: name, Status: status, Output: name + " says " + status}
	}
	cases := []struct {
		name   string
		res    AliasResult
		status string
		output string
	}{
		{"missing service", AliasResult{}, catalog.HealthCritical, `Service "web" not found`},
		{"no checks", AliasResult{ServiceExists: true}, catalog.HealthPassing, "No checks found."},
		{"all passing", AliasResult{ServiceExists: true, Checks: []catalog.HealthCheck{
			chk("web", "a", "passing"), chk("", "node", "passing"),
		}}, catalog.HealthPassing, "All checks passing."},
		{"worst wins", AliasResult{ServiceExists: true, Checks: []catalog.HealthCheck{
			chk("web", "a", "warning"), chk("web", "b", "critical"), chk("web", "c", "passing"),
		}}, catalog.HealthCritical, `Aliased check "b" failing: b says critical`},
		{"node check counts", AliasResult{ServiceExists: true, Checks: []catalog.HealthCheck{
			chk("web", "a", "passing"), chk("", "node", "warning"),
		}}, catalog.HealthWarning, `Aliased check "node" failing: node says warning`},
		{"other services ignored", AliasResult{ServiceExists: true, Checks: []catalog.HealthCheck{
			chk("web", "a", "passing"), chk("db", "db", "critical"),
		}}, catalog.HealthPassing, "All checks passing."},
		{"maintenance is critical", AliasResult{ServiceExists: true, Checks: []catalog.HealthCheck{
			chk("web", "maint", "maintenance"),
		}}, catalog.HealthCritical, `Aliased check "maint" failing: maint says maintenance`},
	}
	for _, c2 := range cases {
		status, output := c.aggregate(c2.res)
		if status != c2.status || output != c2.output {
			t.Errorf("%s: got %s %q, want %s %q", c2.name, status, output, c2.status, c2.output)
		}
	}
}

func TestAliasFollowsSource(t *testing.T) {
	src := newFakeAlias()
	src.set(AliasResult{Index: 5, ServiceExists: true}, nil)
	_, rec := startCheck(t, Spec{ID: "alias", AliasNode: "n2", AliasService: "web"}, Deps{Alias: src})
	rec.waitStatus(t, catalog.HealthPassing)

	src.set(AliasResult{Index: 6, ServiceExists: true, Checks: []catalog.HealthCheck{
		{ServiceID: "web", Name: "http", Status: catalog.HealthCritical, Output: "down"},
	}}, nil)
	rec.waitStatus(t, catalog.HealthCritical)

	src.set(AliasResult{Index: 7}, nil)
	rec.waitFor(t, "service not found", func(u update) bool { return u.output == `Service "web" not found` })

	// An index that went backwards still reports.
	src.set(AliasResult{Index: 2, ServiceExists: true}, nil)
	rec.waitStatus(t, catalog.HealthPassing)

	src.mu.Lock()
	node := src.node
	src.mu.Unlock()
	if node != "n2" {
		t.Errorf("read node %q, want n2", node)
	}
}

func TestAliasErrorsBackOff(t *testing.T) {
	src := newFakeAlias()
	src.set(AliasResult{}, errors.New("no servers"))
	rec := newRecorder()
	c := newAliasCheck(Spec{ID: "alias", AliasService: "web", OutputMaxSize: DefaultOutputMaxSize},
		newThreshold(Spec{ID: "alias"}, rec, hclog.NewNullLogger()), src, hclog.NewNullLogger())
	c.retryMin = 20 * time.Millisecond
	c.Start()
	t.Cleanup(c.Stop)
	u := rec.waitStatus(t, catalog.HealthCritical)
	if u.output != `Failure checking aliased service "web": no servers` {
		t.Errorf("output %q", u.output)
	}
	src.set(AliasResult{Index: 3, ServiceExists: true}, nil)
	rec.waitStatus(t, catalog.HealthPassing)
}

func TestAliasDoesNotSpin(t *testing.T) {
	// A source that never blocks and whose index never moves.
	src := newFakeAlias()
	src.set(AliasResult{Index: 0, ServiceExists: true}, nil)
	c, rec := startCheck(t, Spec{ID: "alias", AliasService: "web"}, Deps{Alias: src})
	rec.waitStatus(t, catalog.HealthPassing)
	time.Sleep(300 * time.Millisecond)
	c.Stop()
	src.mu.Lock()
	calls := src.calls
	src.mu.Unlock()
	if calls > 10 {
		t.Errorf("%d reads in 300ms from a source that never changes", calls)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d updates, want 1", n)
	}
}
