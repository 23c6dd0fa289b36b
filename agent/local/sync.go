package local

import (
	"context"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// A failed sync is tried again after a pause that starts short (an agent
// that starts before its servers have a leader) and doubles up to the
// maximum.
const (
	syncRetryMin = 500 * time.Millisecond
	syncRetryMax = 15 * time.Second
)

// Start restores persisted registrations and starts anti-entropy and the
// reaper of services whose checks stay critical.
func (s *State) Start() {
	s.loadPersisted()
	s.wg.Add(2)
	go s.syncLoop()
	go s.reapLoop()
}

// fullSyncInterval scales the full-sync period with the pool, as Consul
// does: the base period up to 128 agents, then one more period for each
// doubling, plus up to a half period of jitter so agents spread out.
func (s *State) fullSyncInterval() time.Duration {
	base := s.cfg.SyncInterval
	if n := s.pool(); n > 128 {
		base *= time.Duration(math.Ceil(math.Log2(float64(n))-math.Log2(128))) + 1
	}
	return base + rand.N(base/2+1)
}

func (s *State) syncLoop() {
	defer s.wg.Done()
	// The first full sync comes at once: after a restart the catalog may
	// hold what this agent no longer has.
	full := time.NewTimer(0)
	defer full.Stop()
	var retry <-chan time.Time
	backoff := syncRetryMin
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stopCh
		cancel()
	}()
	for {
		var err error
		select {
		case <-s.stopCh:
			return
		case <-full.C:
			err = s.SyncFull(ctx)
			full.Reset(s.fullSyncInterval())
		case <-s.triggerCh:
			err = s.SyncChanges(ctx)
		case <-retry:
			retry = nil
			err = s.SyncChanges(ctx)
		}
		switch {
		case err == nil:
			backoff = syncRetryMin
		case ctx.Err() == nil:
			s.logger.Warn("anti-entropy: syncing with the catalog failed; will retry", "in", backoff.String(), "error", err)
			retry = time.After(backoff + rand.N(backoff/2+1))
			backoff = min(2*backoff, syncRetryMax)
		}
	}
}

// SyncFull compares the node's catalog entry with the local state, marks
// what differs, and pushes it.
func (s *State) SyncFull(ctx context.Context) error {
	q := catalog.QueryOptions{Datacenter: s.cfg.Datacenter, Token: s.agentToken()}
	var ns catalog.IndexedNodeServices
	if err := s.rpc.RPC(ctx, catalog.MethodCatalogNodeServices, &catalog.NodeRequest{QueryOptions: q, Node: s.cfg.NodeName}, &ns); err != nil {
		return err
	}
	var hcs catalog.IndexedHealthChecks
	if err := s.rpc.RPC(ctx, catalog.MethodHealthNodeChecks, &catalog.NodeRequest{QueryOptions: q, Node: s.cfg.NodeName}, &hcs); err != nil {
		return err
	}
	s.mu.Lock()
	s.markLocked(ns.NodeServices, hcs.HealthChecks)
	s.mu.Unlock()
	return s.SyncChanges(ctx)
}

// markLocked sets every entry's in-sync flag from the catalog's view and
// adds deletions for what the catalog has and this agent does not.
func (s *State) markLocked(remote *catalog.NodeServices, remoteChecks catalog.HealthChecks) {
	s.nodeSync = remote != nil && remote.Node != nil && s.sameNode(remote.Node)

	var rsvcs map[string]*catalog.NodeService
	if remote != nil {
		rsvcs = remote.Services
	}
	for id, e := range s.services {
		r, ok := rsvcs[id]
		switch {
		case e.deleted:
			e.inSync = !ok
		default:
			e.inSync = ok && sameService(e.svc, r)
		}
	}
	for id := range rsvcs {
		// The leader owns the servers' "consul" service.
		if _, ok := s.services[id]; !ok && id != consulServiceID {
			s.services[id] = &serviceEntry{svc: &catalog.NodeService{ID: id}, deleted: true}
		}
	}

	rchecks := make(map[string]*catalog.HealthCheck, len(remoteChecks))
	for _, hc := range remoteChecks {
		rchecks[hc.CheckID] = hc
	}
	for id, c := range s.checks {
		r, ok := rchecks[id]
		switch {
		case c.deleted:
			c.inSync = !ok
		default:
			c.inSync = ok && sameCheck(c.hc, r, c.outputDeferred)
		}
	}
	for id, hc := range rchecks {
		// The leader owns serfHealth; a service being removed takes its
		// checks with it.
		if e := s.services[hc.ServiceID]; hc.ServiceID != "" && e != nil && e.deleted {
			continue
		}
		if _, ok := s.checks[id]; !ok && id != catalog.SerfCheckID {
			s.checks[id] = &checkEntry{hc: &catalog.HealthCheck{CheckID: id, ServiceID: hc.ServiceID}, deleted: true}
		}
	}
}

const consulServiceID = "consul"

// SyncChanges pushes every out-of-sync entry: the node record, services
// with their checks, lone checks, and deletions. Each push is its own
// write, so one refused entry does not hold the others back.
func (s *State) SyncChanges(ctx context.Context) error {
	var errs []error
	// The node first: services cannot be registered on a missing node.
	s.mu.Lock()
	nodeSync := s.nodeSync
	s.mu.Unlock()
	if !nodeSync {
		if err := s.push(ctx, s.nodeRegistration()); err != nil {
			return err
		}
		s.mu.Lock()
		s.nodeSync = true
		s.mu.Unlock()
	}

	for _, op := range s.pending() {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.push(ctx, op.req)
		if err == nil {
			s.mu.Lock()
			op.done()
			s.mu.Unlock()
			continue
		}
		errs = append(errs, err)
		if !catalog.IsBadRequest(err) {
			// Servers unreachable or no leader: the rest would fail too.
			break
		}
		s.logger.Error("anti-entropy: the catalog refused an entry", "error", err)
	}
	return errors.Join(errs...)
}

// syncOp is one write and what to mark once it is committed (mu held).
type syncOp struct {
	req  interface{}
	done func()
}

// pending lists the writes that bring the catalog in line, in order:
// deletions, then services with their checks, then lone checks.
func (s *State) pending() []syncOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ops []syncOp
	for id, e := range s.services {
		if !e.deleted || e.inSync {
			if e.deleted {
				delete(s.services, id)
			}
			continue
		}
		id, e := id, e
		ops = append(ops, syncOp{
			req: &catalog.DeregisterRequest{WriteRequest: s.write(e.token), Node: s.cfg.NodeName, ServiceID: id},
			done: func() {
				if s.services[id] == e {
					delete(s.services, id)
				}
			},
		})
	}
	for id, c := range s.checks {
		if !c.deleted {
			continue
		}
		if c.inSync {
			delete(s.checks, id)
			continue
		}
		id, c := id, c
		ops = append(ops, syncOp{
			req: &catalog.DeregisterRequest{WriteRequest: s.write(c.token), Node: s.cfg.NodeName, CheckID: id},
			done: func() {
				if s.checks[id] == c {
					delete(s.checks, id)
				}
			},
		})
	}
	for id, e := range s.services {
		if e.deleted {
			continue
		}
		// A service goes with all its checks, so a watcher never sees it
		// without them.
		var own []*checkEntry
		dirty := !e.inSync
		for _, c := range s.checks {
			if c.hc.ServiceID == id && !c.deleted {
				own = append(own, c)
				dirty = dirty || !c.inSync
			}
		}
		if !dirty {
			continue
		}
		req := s.registration(e.token)
		req.Service = copyService(e.svc)
		svc := req.Service
		pushed := make([]*catalog.HealthCheck, 0, len(own))
		for _, c := range own {
			pushed = append(pushed, copyCheck(c.hc))
		}
		req.Checks = pushed
		e, own := e, own
		ops = append(ops, syncOp{req: req, done: func() {
			if sameService(e.svc, svc) {
				e.inSync = true
			}
			for i, c := range own {
				s.markPushedLocked(c, pushed[i])
			}
		}})
	}
	for _, c := range s.checks {
		if c.deleted || c.inSync || c.hc.ServiceID != "" {
			continue
		}
		req := s.registration(c.token)
		req.Check = copyCheck(c.hc)
		c, pushed := c, req.Check
		ops = append(ops, syncOp{req: req, done: func() { s.markPushedLocked(c, pushed) }})
	}
	return ops
}

// markPushedLocked marks c in sync if what was pushed is still what it
// holds (a result may have arrived during the write). An output that
// changed meanwhile, status unchanged, waits out its deferral like any
// other output-only change.
func (s *State) markPushedLocked(c *checkEntry, pushed *catalog.HealthCheck) {
	if c.deleted || !sameCheck(c.hc, pushed, true) {
		return
	}
	c.inSync = true
	c.lastOutputPush = time.Now()
	s.cancelDeferLocked(c)
	if c.hc.Output != pushed.Output {
		s.deferOutputLocked(c)
	}
}

func (s *State) push(ctx context.Context, req interface{}) error {
	var out struct{}
	switch r := req.(type) {
	case *catalog.RegisterRequest:
		return s.rpc.RPC(ctx, catalog.MethodCatalogRegister, r, &out)
	case *catalog.DeregisterRequest:
		return s.rpc.RPC(ctx, catalog.MethodCatalogDeregister, r, &out)
	}
	return errors.New("local: unknown sync request")
}

// write is a write request with the registration's token, or the agent's
// user token when it came without one.
func (s *State) write(token string) catalog.WriteRequest {
	if token == "" && s.tokens != nil {
		token = s.tokens.UserToken()
	}
	return catalog.WriteRequest{Datacenter: s.cfg.Datacenter, Token: token}
}

func (s *State) agentToken() string {
	if s.tokens == nil {
		return ""
	}
	return s.tokens.AgentToken()
}

func (s *State) registration(token string) *catalog.RegisterRequest {
	r := s.nodeRegistration()
	r.WriteRequest = s.write(token)
	return r
}

func (s *State) nodeRegistration() *catalog.RegisterRequest {
	return &catalog.RegisterRequest{
		WriteRequest:    catalog.WriteRequest{Datacenter: s.cfg.Datacenter, Token: s.agentToken()},
		ID:              s.cfg.NodeID,
		Node:            s.cfg.NodeName,
		Address:         s.cfg.Address,
		TaggedAddresses: s.taggedAddresses(),
		NodeMeta:        s.cfg.NodeMeta,
	}
}

func (s *State) taggedAddresses() map[string]string {
	if len(s.cfg.TaggedAddresses) > 0 {
		return s.cfg.TaggedAddresses
	}
	a := s.cfg.Address
	return map[string]string{"lan": a, "lan_ipv4": a, "wan": a, "wan_ipv4": a}
}

func (s *State) sameNode(n *catalog.Node) bool {
	return n.Address == s.cfg.Address &&
		(s.cfg.NodeID == "" || n.ID == s.cfg.NodeID) &&
		maps.Equal(n.TaggedAddresses, s.taggedAddresses()) &&
		maps.Equal(n.Meta, s.cfg.NodeMeta)
}

// sameService compares what the agent registers, with the catalog's
// defaults applied to both sides.
func sameService(a, b *catalog.NodeService) bool {
	wa, wb := weightsOf(a), weightsOf(b)
	return a.ID == b.ID && a.Service == b.Service && slices.Equal(a.Tags, b.Tags) &&
		a.Address == b.Address && a.Port == b.Port && maps.Equal(a.Meta, b.Meta) &&
		wa == wb && a.EnableTagOverride == b.EnableTagOverride
}

func weightsOf(s *catalog.NodeService) catalog.Weights {
	if s.Weights == nil {
		return catalog.Weights{Passing: 1, Warning: 1}
	}
	return *s.Weights
}

// sameCheck compares a local check with the catalog's; with
// ignoreOutput, an output difference waiting out its deferral counts as
// equal.
func sameCheck(local, remote *catalog.HealthCheck, ignoreOutput bool) bool {
	return local.CheckID == remote.CheckID && local.Name == remote.Name &&
		local.Status == remote.Status && local.Notes == remote.Notes &&
		local.ServiceID == remote.ServiceID && local.Type == remote.Type &&
		(ignoreOutput || local.Output == remote.Output)
}
