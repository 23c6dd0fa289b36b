package state

import (
	"sort"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// CheckServiceNodes lists the instances of service carrying every tag in
// tags, each with its node and the checks that bear on its health: its own
// and the node-level ones (serfHealth and any check bound to no service).
// With passingOnly, instances with any check not passing are left out.
// The result is sorted by node then service ID.
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

	j := healthJoin{txn: txn, ws: ws, nodes: map[string]*nodeHealth{}}
	out := make(catalog.CheckServiceNodes, 0, len(instances))
	for _, sn := range instances {
		nh, err := j.node(sn.Node)
		if err != nil {
			return 0, nil, err
		}
		if nh.node == nil {
			// The services table never outlives its node; this is a
			// write in progress elsewhere, not something to show.
			continue
		}
		csn := &catalog.CheckServiceNode{
			Node:    nh.node,
			Service: toNodeService(sn),
			Checks:  nh.checksFor(sn.ServiceID),
		}
		if passingOnly && !csn.Passing() {
			continue
		}
		out = append(out, csn)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Node.Node != out[j].Node.Node {
			return out[i].Node.Node < out[j].Node.Node
		}
		return out[i].Service.ID < out[j].Service.ID
	})
	return idx, out, nil
}

// healthJoin reads each node an answer needs once, however many of the
// service's instances run on it.
type healthJoin struct {
	txn   *memdb.Txn
	ws    memdb.WatchSet
	nodes map[string]*nodeHealth

	// Fallback channels for when the watch set is full, fetched on first
	// need.
	allNodes, allChecks <-chan struct{}
}

// nodeHealth is one node's row and checks, copied out of the store.
type nodeHealth struct {
	node       *catalog.Node
	nodeChecks catalog.HealthChecks            // bound to no service
	byService  map[string]catalog.HealthChecks // service ID -> its checks
}

func (j *healthJoin) node(name string) (*nodeHealth, error) {
	if nh, ok := j.nodes[name]; ok {
		return nh, nil
	}
	nh := &nodeHealth{}
	j.nodes[name] = nh

	watch, raw, err := j.txn.FirstWatch(TableNodes, indexID, name)
	if err != nil {
		return nil, err
	}
	if err := j.watch(watch, TableNodes, &j.allNodes); err != nil {
		return nil, err
	}
	if raw == nil {
		return nh, nil
	}
	n := *raw.(*catalog.Node)
	nh.node = &n

	iter, err := j.txn.Get(TableChecks, indexNode, name)
	if err != nil {
		return nil, err
	}
	if err := j.watch(iter.WatchCh(), TableChecks, &j.allChecks); err != nil {
		return nil, err
	}
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		hc := *raw.(*catalog.HealthCheck)
		if hc.ServiceID == "" {
			nh.nodeChecks = append(nh.nodeChecks, &hc)
			continue
		}
		if nh.byService == nil {
			nh.byService = map[string]catalog.HealthChecks{}
		}
		nh.byService[hc.ServiceID] = append(nh.byService[hc.ServiceID], &hc)
	}
	return nh, nil
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

// checksFor is the node's checks followed by the instance's own, each
// group in check ID order.
func (nh *nodeHealth) checksFor(serviceID string) catalog.HealthChecks {
	own := nh.byService[serviceID]
	out := make(catalog.HealthChecks, 0, len(nh.nodeChecks)+len(own))
	out = append(out, nh.nodeChecks...)
	return append(out, own...)
}
