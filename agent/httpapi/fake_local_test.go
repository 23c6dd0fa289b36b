package httpapi

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

// fakeLocal is an in-memory Local: services and checks in maps, checks
// validated as the agent would (script checks disabled), and the options
// of the last registration recorded.
type fakeLocal struct {
	mu        sync.Mutex
	node      string
	services  map[string]*catalog.NodeService
	checks    map[string]*fakeLocalCheck
	lastOpts  RegisterOptions
	reloads   int
	reloadErr error
}

type fakeLocalCheck struct {
	spec   checks.Spec
	kind   string
	status string
	output string
}

var _ Local = (*fakeLocal)(nil)

func newFakeLocal(node string) *fakeLocal {
	return &fakeLocal{node: node, services: map[string]*catalog.NodeService{}, checks: map[string]*fakeLocalCheck{}}
}

func (l *fakeLocal) LocalServices() []*catalog.NodeService {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*catalog.NodeService, 0, len(l.services))
	for _, s := range l.services {
		c := *s
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (l *fakeLocal) LocalChecks() []*catalog.HealthCheck {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*catalog.HealthCheck, 0, len(l.checks))
	for id, c := range l.checks {
		hc := &catalog.HealthCheck{
			Node: l.node, CheckID: id, Name: c.spec.Name, Status: c.status, Notes: c.spec.Notes,
			Output: c.output, ServiceID: c.spec.ServiceID, Type: c.kind,
		}
		if svc, ok := l.services[c.spec.ServiceID]; ok {
			hc.ServiceName, hc.ServiceTags = svc.Service, svc.Tags
		}
		out = append(out, hc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CheckID < out[j].CheckID })
	return out
}

// addCheck validates and stores a check; l.mu is held.
func (l *fakeLocal) addCheck(spec checks.Spec) error {
	spec.Normalize()
	if err := spec.Validate(checks.ValidateOptions{}); err != nil {
		return err
	}
	status := spec.Status
	if status == "" {
		status = catalog.HealthCritical
	}
	l.checks[spec.ID] = &fakeLocalCheck{spec: spec, kind: spec.Kind(), status: status}
	return nil
}

func (l *fakeLocal) RegisterService(svc *catalog.NodeService, chks []checks.Spec, opts RegisterOptions) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range chks {
		c.Normalize()
		if err := c.Validate(checks.ValidateOptions{}); err != nil {
			return err
		}
	}
	l.lastOpts = opts
	s := *svc
	l.services[svc.ID] = &s
	keep := map[string]bool{}
	for _, c := range chks {
		keep[c.ID] = true
		if err := l.addCheck(c); err != nil {
			return err
		}
	}
	if opts.ReplaceExistingChecks {
		for id, c := range l.checks {
			if c.spec.ServiceID == svc.ID && !keep[id] && c.kind != "maintenance" {
				delete(l.checks, id)
			}
		}
	}
	return nil
}

func (l *fakeLocal) DeregisterService(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.services[id]; !ok {
		return fmt.Errorf("%w: Unknown service ID %q", catalog.ErrNotFound, id)
	}
	delete(l.services, id)
	for cid, c := range l.checks {
		if c.spec.ServiceID == id {
			delete(l.checks, cid)
		}
	}
	return nil
}

func (l *fakeLocal) RegisterCheck(spec checks.Spec, opts RegisterOptions) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if spec.ServiceID != "" {
		if _, ok := l.services[spec.ServiceID]; !ok {
			return catalog.BadRequestf(fmt.Sprintf("ServiceID %q does not exist", spec.ServiceID))
		}
	}
	l.lastOpts = opts
	return l.addCheck(spec)
}

func (l *fakeLocal) DeregisterCheck(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.checks[id]; !ok {
		return fmt.Errorf("%w: Unknown check ID %q", catalog.ErrNotFound, id)
	}
	delete(l.checks, id)
	return nil
}

func (l *fakeLocal) UpdateTTLCheck(id, status, output string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.checks[id]
	if !ok {
		return fmt.Errorf("%w: Unknown check ID %q", catalog.ErrNotFound, id)
	}
	if c.kind != checks.KindTTL {
		return catalog.BadRequestf(fmt.Sprintf("check %q is not a TTL check", id))
	}
	c.status, c.output = status, output
	return nil
}

func (l *fakeLocal) ServiceMaintenance(id string, enable bool, reason string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.services[id]; !ok {
		return fmt.Errorf("%w: Unknown service ID %q", catalog.ErrNotFound, id)
	}
	l.maint("_service_maintenance:"+id, id, enable, reason)
	return nil
}

func (l *fakeLocal) NodeMaintenance(enable bool, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maint("_node_maintenance", "", enable, reason)
}

// maint adds or removes a maintenance check; l.mu is held.
func (l *fakeLocal) maint(id, serviceID string, enable bool, reason string) {
	if !enable {
		delete(l.checks, id)
		return
	}
	name := "Node Maintenance Mode"
	if serviceID != "" {
		name = "Service Maintenance Mode"
	}
	if reason == "" {
		reason = "Maintenance mode is enabled for this node, but no reason was provided. This is a default message."
	}
	l.checks[id] = &fakeLocalCheck{
		spec: checks.Spec{ID: id, Name: name, Notes: reason, ServiceID: serviceID},
		kind: "maintenance", status: catalog.HealthCritical,
	}
}

func (l *fakeLocal) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reloads++
	return l.reloadErr
}

var errReloadFailed = errors.New("config file broken.json: invalid JSON")
