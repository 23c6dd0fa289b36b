package state

import (
	"slices"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// CheckServiceNodes lists the instances of service carrying every tag in
// tags, each with its node and the checks that bear on its health: its own
// and the node-level ones (serfHealth and any check bound to no service).
// With passingOnly, instances with any check not passing are left out.
// The result is sorted by node then service ID.
//
// The result shares the store's rows: each Node and HealthCheck is the
// stored row itself, and each Service's Tags and Meta are the stored
// row's. memdb rows are never changed in place (every write inserts a new
// row, see ensureCheckTxn), so they stay valid, but callers must treat
// everything reachable from the result as read-only; to change a value,
// copy it first. The lists themselves (the result, and each instance's
// Checks) are the caller's own.
//
// The cost follows the service, not the catalog: the instances come from
// the services table's service index, and each distinct node costs one
// node lookup and one walk over that node's checks. What is watched is
// what was read: the service's instances, and per node its row and its
// checks (past watchLimit channels, the nodes and checks tables instead).
//
// The index is the service's index entry. Every write that changes this
// answer raises it: instance writes, node writes (which raise the entry of
// every service on the node) and check writes (a service check raises its
// service's entry, a node-level check those of every service on the node).
func (s *Store) CheckServiceNodes(ws memdb.WatchSet, service string, tags []string, passingOnly bool) (uint64, catalog.CheckServiceNodes, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableServices, indexService, service)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())

	var instances []*catalog.ServiceNode
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		sn := raw.(*catalog.ServiceNode)
		if hasAllTags(sn.ServiceTags, tags) {
			instances = append(instances, sn)
		}
	}
	idx := serviceIndex(txn, service)
	if len(instances) == 0 {
		return idx, catalog.CheckServiceNodes{}, nil
	}

	// One allocation each for the instances, their services and weights,
	// rather than three per instance.
	n := len(instances)
	entries := make([]catalog.CheckServiceNode, n)
	services := make([]catalog.NodeService, n)
	weights := make([]catalog.Weights, n)
	out := make(catalog.CheckServiceNodes, 0, n)
	// Every instance's check list is a window of this one array; a
	// window's capacity ends where it does, so a caller appending to one
	// list cannot overwrite the next.
	checks := make([]*catalog.HealthCheck, 0, 2*n)
	j := healthJoin{txn: txn, ws: ws}
	for i, sn := range instances {
		if err := j.node(sn.Node); err != nil {
			return 0, nil, err
		}
		if j.row == nil {
			// The services table never outlives its node; this is a
			// write in progress elsewhere, not something to show.
			continue
		}
		start := len(checks)
		checks = j.appendChecksFor(checks, sn.ServiceID)
		csn := &entries[i]
		csn.Node = j.row
		csn.Service = fillNodeService(&services[i], &weights[i], sn)
		csn.Checks = checks[start:len(checks):len(checks)]
		if passingOnly && !csn.Passing() {
			continue
		}
		out = append(out, csn)
	}
	// The service index orders instances by lower-cased node name; the
	// answer is ordered by the name as registered, which is the same
	// order unless names differ only in case.
	if !slices.IsSortedFunc(out, compareCheckServiceNodes) {
		slices.SortFunc(out, compareCheckServiceNodes)
	}
	return idx, out, nil
}

// ServiceIndex is the index CheckServiceNodes would report for service,
// read without reading the instances: a caller holding the answer at this
// index knows it is still current.
func (s *Store) ServiceIndex(service string) uint64 {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return serviceIndex(txn, service)
}

func compareCheckServiceNodes(a, b *catalog.CheckServiceNode) int {
	if c := strings.Compare(a.Node.Node, b.Node.Node); c != 0 {
		return c
	}
	return strings.Compare(a.Service.ID, b.Service.ID)
}

// healthJoin reads the node of each instance, and that node's checks,
// keeping the last one read: the service index lists a node's instances
// one after the other, so each node is read once.
type healthJoin struct {
	txn *memdb.Txn
	ws  memdb.WatchSet

	name   string                 // the node held, as the instance named it
	row    *catalog.Node          // its row, nil if it is not registered
	checks []*catalog.HealthCheck // its checks in check ID order, reused

	// Fallback channels for when the watch set is full, fetched on first
	// need.
	allNodes, allChecks <-chan struct{}
}

// node makes name the node held, reading it unless it is already.
func (j *healthJoin) node(name string) error {
	if j.name == name && j.name != "" {
		return nil
	}
	j.name, j.row, j.checks = name, nil, j.checks[:0]

	watch, raw, err := j.txn.FirstWatch(TableNodes, indexID, name)
	if err != nil {
		return err
	}
	if err := j.watch(watch, TableNodes, &j.allNodes); err != nil {
		return err
	}
	if raw == nil {
		return nil
	}
	j.row = raw.(*catalog.Node)

	iter, err := j.txn.Get(TableChecks, indexNode, name)
	if err != nil {
		return err
	}
	if err := j.watch(iter.WatchCh(), TableChecks, &j.allChecks); err != nil {
		return err
	}
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		j.checks = append(j.checks, raw.(*catalog.HealthCheck))
	}
	return nil
}

// watch adds ch to the watch set, or the whole table's channel once the set
// holds watchLimit channels.
func (j *healthJoin) watch(ch <-chan struct{}, table string, fallback *<-chan struct{}) error {
	if j.ws == nil {
		return nil
	}
	if len(j.ws) < watchLimit {
		j.ws.Add(ch)
		return nil
	}
	if *fallback == nil {
		iter, err := j.txn.Get(table, indexID)
		if err != nil {
			return err
		}
		*fallback = iter.WatchCh()
		j.ws.Add(*fallback)
	}
	return nil
}

// appendChecksFor appends the held node's checks that bear on serviceID:
// the node-level ones, then the instance's own, each group in check ID
// order.
func (j *healthJoin) appendChecksFor(dst []*catalog.HealthCheck, serviceID string) []*catalog.HealthCheck {
	for _, hc := range j.checks {
		if hc.ServiceID == "" {
			dst = append(dst, hc)
		}
	}
	for _, hc := range j.checks {
		if hc.ServiceID != "" && hc.ServiceID == serviceID {
			dst = append(dst, hc)
		}
	}
	return dst
}
