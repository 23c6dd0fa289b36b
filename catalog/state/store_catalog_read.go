package state

import (
	"sort"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// Reads return copies of the stored top-level structs, so a caller may set
// their fields; maps and slices inside are shared with the store and must
// not be modified.

// GetNode returns the node, or nil if it is unknown.
func (s *Store) GetNode(ws memdb.WatchSet, node string) (uint64, *catalog.Node, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	watch, raw, err := txn.FirstWatch(TableNodes, indexID, node)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	idx := atLeastOne(maxIndex(txn, TableNodes))
	if raw == nil {
		return idx, nil, nil
	}
	n := *raw.(*catalog.Node)
	return idx, &n, nil
}

// Nodes lists every node, sorted by name.
func (s *Store) Nodes(ws memdb.WatchSet) (uint64, catalog.Nodes, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableNodes, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out catalog.Nodes
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		n := *raw.(*catalog.Node)
		out = append(out, &n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return atLeastOne(maxIndex(txn, TableNodes)), out, nil
}

// Services maps every service name to the sorted union of its instances'
// tags.
func (s *Store) Services(ws memdb.WatchSet) (uint64, map[string][]string, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableServices, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	tagSets := make(map[string]map[string]struct{})
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		sn := raw.(*catalog.ServiceNode)
		set, ok := tagSets[sn.ServiceName]
		if !ok {
			set = make(map[string]struct{})
			tagSets[sn.ServiceName] = set
		}
		for _, t := range sn.ServiceTags {
			set[t] = struct{}{}
		}
	}
	out := make(map[string][]string, len(tagSets))
	for name, set := range tagSets {
		tags := make([]string, 0, len(set))
		for t := range set {
			tags = append(tags, t)
		}
		sort.Strings(tags)
		out[name] = tags
	}
	return atLeastOne(maxIndex(txn, TableServices)), out, nil
}

// ServiceNodes lists the instances of service carrying every tag in tags,
// each joined with its node, sorted by node then service ID.
func (s *Store) ServiceNodes(ws memdb.WatchSet, service string, tags []string) (uint64, []*catalog.ServiceNode, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableServices, indexService, service)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	// The join reads nodes too, so a node's address change must wake the
	// query; past watchLimit nodes the whole nodes table is watched instead.
	allNodes, err := txn.Get(TableNodes, indexID)
	if err != nil {
		return 0, nil, err
	}
	var out []*catalog.ServiceNode
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		sn := raw.(*catalog.ServiceNode)
		if !hasAllTags(sn.ServiceTags, tags) {
			continue
		}
		watch, nraw, err := txn.FirstWatch(TableNodes, indexID, sn.Node)
		if err != nil {
			return 0, nil, err
		}
		ws.AddWithLimit(watchLimit, watch, allNodes.WatchCh())
		row := *sn
		if nraw != nil {
			n := nraw.(*catalog.Node)
			row.ID = n.ID
			row.Node = n.Node
			row.Address = n.Address
			row.Datacenter = n.Datacenter
			row.TaggedAddresses = n.TaggedAddresses
			row.NodeMeta = n.Meta
		}
		out = append(out, &row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Node != out[j].Node {
			return out[i].Node < out[j].Node
		}
		return out[i].ServiceID < out[j].ServiceID
	})
	return serviceIndex(txn, service), out, nil
}

// hasAllTags matches tags case-insensitively, as Consul's tag filter does.
func hasAllTags(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if strings.EqualFold(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func serviceIndex(txn *memdb.Txn, service string) uint64 {
	if idx, ok := indexEntry(txn, serviceIndexKey(service)); ok {
		return atLeastOne(idx)
	}
	return atLeastOne(maxIndex(txn, TableServices))
}

// NodeServices returns the node with its services, or nil if the node is
// unknown.
func (s *Store) NodeServices(ws memdb.WatchSet, node string) (uint64, *catalog.NodeServices, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	idx := atLeastOne(maxIndex(txn, TableNodes, TableServices))
	watch, raw, err := txn.FirstWatch(TableNodes, indexID, node)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	if raw == nil {
		return idx, nil, nil
	}
	n := *raw.(*catalog.Node)
	iter, err := txn.Get(TableServices, indexNode, node)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	ns := &catalog.NodeServices{Node: &n, Services: make(map[string]*catalog.NodeService)}
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		sn := raw.(*catalog.ServiceNode)
		ns.Services[sn.ServiceID] = toNodeService(sn)
	}
	return idx, ns, nil
}

func toNodeService(sn *catalog.ServiceNode) *catalog.NodeService {
	return fillNodeService(new(catalog.NodeService), new(catalog.Weights), sn)
}

// fillNodeService sets ns to the instance sn, with w holding its weights,
// and returns ns.
func fillNodeService(ns *catalog.NodeService, w *catalog.Weights, sn *catalog.ServiceNode) *catalog.NodeService {
	*w = sn.ServiceWeights
	*ns = catalog.NodeService{
		ID:                sn.ServiceID,
		Service:           sn.ServiceName,
		Tags:              sn.ServiceTags,
		Address:           sn.ServiceAddress,
		Meta:              sn.ServiceMeta,
		Port:              sn.ServicePort,
		Weights:           w,
		EnableTagOverride: sn.ServiceEnableTagOverride,
		CreateIndex:       sn.CreateIndex,
		ModifyIndex:       sn.ModifyIndex,
	}
	return ns
}

// NodeChecks lists the checks of one node, sorted by check ID.
func (s *Store) NodeChecks(ws memdb.WatchSet, node string) (uint64, catalog.HealthChecks, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	out, err := readChecks(ws, txn, indexNode, node)
	if err != nil {
		return 0, nil, err
	}
	return atLeastOne(maxIndex(txn, TableChecks)), out, nil
}

// ServiceChecks lists the checks bound to instances of service, sorted by
// node then check ID.
func (s *Store) ServiceChecks(ws memdb.WatchSet, service string) (uint64, catalog.HealthChecks, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	out, err := readChecks(ws, txn, indexService, service)
	if err != nil {
		return 0, nil, err
	}
	return serviceIndex(txn, service), out, nil
}

// ChecksInState lists the checks in state ("any" for all of them), sorted
// by node then check ID.
func (s *Store) ChecksInState(ws memdb.WatchSet, state string) (uint64, catalog.HealthChecks, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	var out catalog.HealthChecks
	var err error
	switch {
	case state == catalog.HealthAny:
		out, err = readChecks(ws, txn, indexID)
	case catalog.ValidHealthStatus(state):
		out, err = readChecks(ws, txn, indexStatus, state)
	default:
		return 0, nil, badRequest("invalid check state %q", state)
	}
	if err != nil {
		return 0, nil, err
	}
	return atLeastOne(maxIndex(txn, TableChecks)), out, nil
}

func readChecks(ws memdb.WatchSet, txn *memdb.Txn, index string, args ...interface{}) (catalog.HealthChecks, error) {
	iter, err := txn.Get(TableChecks, index, args...)
	if err != nil {
		return nil, err
	}
	ws.Add(iter.WatchCh())
	var out catalog.HealthChecks
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		hc := *raw.(*catalog.HealthCheck)
		out = append(out, &hc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Node != out[j].Node {
			return out[i].Node < out[j].Node
		}
		return out[i].CheckID < out[j].CheckID
	})
	return out, nil
}
