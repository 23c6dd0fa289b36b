package state

import (
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// EnsureRegistration applies a catalog registration: the node (unless
// SkipNodeUpdate is set and the node exists), then Service, Check and
// Checks, all in one transaction, so an invalid part leaves nothing behind.
// Parts equal to what is stored are not rewritten, so agents re-syncing an
// unchanged registration do not wake blocking queries.
func (s *Store) EnsureRegistration(idx uint64, now time.Time, req *catalog.RegisterRequest) error {
	if req == nil {
		return badRequest("missing registration")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := ensureRegistrationTxn(txn, idx, now, req); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

func ensureRegistrationTxn(txn *memdb.Txn, idx uint64, now time.Time, req *catalog.RegisterRequest) error {
	if req.Node == "" {
		return badRequest("missing node name")
	}
	existing, err := getNodeTxn(txn, req.Node)
	if err != nil {
		return err
	}
	if !req.SkipNodeUpdate || existing == nil {
		n := &catalog.Node{
			ID:              req.ID,
			Node:            req.Node,
			Address:         req.Address,
			Datacenter:      req.Datacenter,
			TaggedAddresses: copyStringMap(req.TaggedAddresses),
			Meta:            copyStringMap(req.NodeMeta),
		}
		if err := ensureNodeTxn(txn, idx, now, n); err != nil {
			return err
		}
	}
	if req.Service != nil {
		if err := ensureServiceTxn(txn, idx, req.Node, req.Service); err != nil {
			return err
		}
	}
	if req.Check != nil {
		if err := ensureCheckTxn(txn, idx, now, req.Node, req.Check); err != nil {
			return err
		}
	}
	for _, hc := range req.Checks {
		if hc == nil {
			continue
		}
		if err := ensureCheckTxn(txn, idx, now, req.Node, hc); err != nil {
			return err
		}
	}
	return nil
}

// EnsureNode inserts or updates a node.
func (s *Store) EnsureNode(idx uint64, now time.Time, n *catalog.Node) error {
	if n == nil {
		return badRequest("missing node")
	}
	own := *n
	own.TaggedAddresses = copyStringMap(n.TaggedAddresses)
	own.Meta = copyStringMap(n.Meta)
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := ensureNodeTxn(txn, idx, now, &own); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// ensureNodeTxn stores n, which the caller hands over and must not touch
// again.
func ensureNodeTxn(txn *memdb.Txn, idx uint64, now time.Time, n *catalog.Node) error {
	if n.Node == "" {
		return badRequest("missing node name")
	}
	if n.ID != "" && !validUUID(n.ID) {
		return badRequest("invalid node ID %q: must be a UUID", n.ID)
	}
	existing, err := getNodeTxn(txn, n.Node)
	if err != nil {
		return err
	}
	if n.ID != "" {
		// A name belongs to one node identity at a time; a new identity may
		// take it over only once the old holder is known dead, as in Consul.
		if existing != nil && existing.ID != "" && !strings.EqualFold(existing.ID, n.ID) {
			if !nodeIsDead(txn, existing.Node) {
				return badRequest("node name %q is reserved by node %s", n.Node, existing.ID)
			}
			if err := deleteNodeTxn(txn, idx, now, existing.Node); err != nil {
				return err
			}
			existing = nil
		}
		// The same identity under a new name is a rename: the old record
		// goes, and the agent re-registers its services under the new one.
		other, err := getNodeByIDTxn(txn, n.ID)
		if err != nil {
			return err
		}
		if other != nil && !strings.EqualFold(other.Node, n.Node) {
			if err := deleteNodeTxn(txn, idx, now, other.Node); err != nil {
				return err
			}
		}
	} else if existing != nil {
		// A registration that does not know the node's ID (an external
		// service registered through the catalog) must not erase it.
		n.ID = existing.ID
	}

	if existing != nil && sameNode(existing, n) {
		return nil
	}
	n.CreateIndex, n.ModifyIndex = idx, idx
	if existing != nil {
		n.CreateIndex = existing.CreateIndex
	}
	if err := txn.Insert(TableNodes, n); err != nil {
		return err
	}
	keys := []string{TableNodes}
	if existing != nil {
		// Service rows are read joined with their node, so every service on
		// the node now reads differently.
		services, err := servicesOfNodeTxn(txn, n.Node)
		if err != nil {
			return err
		}
		for _, sn := range services {
			keys = append(keys, serviceIndexKey(sn.ServiceName))
		}
	}
	return indexUpdate(txn, idx, keys...)
}

// DeleteNode removes a node with its services and checks. An unknown node is
// not an error.
func (s *Store) DeleteNode(idx uint64, now time.Time, node string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := deleteNodeTxn(txn, idx, now, node); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

func deleteNodeTxn(txn *memdb.Txn, idx uint64, now time.Time, name string) error {
	n, err := getNodeTxn(txn, name)
	if err != nil || n == nil {
		return err
	}
	// Sessions die with their node, in the same transaction.
	if err := invalidateNodeSessionsTxn(txn, idx, now, n.Node, ""); err != nil {
		return err
	}
	services, err := servicesOfNodeTxn(txn, n.Node)
	if err != nil {
		return err
	}
	checks, err := checksOfNodeTxn(txn, n.Node)
	if err != nil {
		return err
	}
	keys := []string{TableNodes}
	// A removed node's coordinate goes with it, as in Consul.
	if dropped, err := deleteCoordinateTxn(txn, n.Node); err != nil {
		return err
	} else if dropped {
		keys = append(keys, TableCoordinates)
	}
	var names []string
	for _, sn := range services {
		if err := txn.Delete(TableServices, sn); err != nil {
			return err
		}
		names = append(names, sn.ServiceName)
		keys = append(keys, serviceIndexKey(sn.ServiceName))
	}
	if len(services) > 0 {
		keys = append(keys, TableServices)
	}
	for _, hc := range checks {
		if err := txn.Delete(TableChecks, hc); err != nil {
			return err
		}
	}
	if len(checks) > 0 {
		keys = append(keys, TableChecks)
	}
	if err := txn.Delete(TableNodes, n); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, keys...); err != nil {
		return err
	}
	return dropUnusedServiceIndexes(txn, names...)
}

func ensureServiceTxn(txn *memdb.Txn, idx uint64, nodeName string, svc *catalog.NodeService) error {
	node, err := getNodeTxn(txn, nodeName)
	if err != nil {
		return err
	}
	if node == nil {
		return badRequest("node %q is not registered", nodeName)
	}
	if svc.Service == "" {
		return badRequest("missing service name")
	}
	row := &catalog.ServiceNode{
		Node:                     node.Node,
		ServiceID:                svc.ID,
		ServiceName:              svc.Service,
		ServiceTags:              copyStrings(svc.Tags),
		ServiceAddress:           svc.Address,
		ServiceMeta:              copyStringMap(svc.Meta),
		ServicePort:              svc.Port,
		ServiceWeights:           catalog.Weights{Passing: 1, Warning: 1},
		ServiceEnableTagOverride: svc.EnableTagOverride,
	}
	if row.ServiceID == "" {
		row.ServiceID = svc.Service
	}
	if svc.Weights != nil {
		row.ServiceWeights = *svc.Weights
	}

	existing, err := getServiceTxn(txn, node.Node, row.ServiceID)
	if err != nil {
		return err
	}
	if existing != nil && sameService(existing, row) {
		return nil
	}
	row.CreateIndex, row.ModifyIndex = idx, idx
	if existing != nil {
		row.CreateIndex = existing.CreateIndex
	}
	if err := txn.Insert(TableServices, row); err != nil {
		return err
	}
	keys := []string{TableServices, serviceIndexKey(row.ServiceName)}
	renamed := existing != nil && !strings.EqualFold(existing.ServiceName, row.ServiceName)
	if renamed {
		keys = append(keys, serviceIndexKey(existing.ServiceName))
	}
	if err := indexUpdate(txn, idx, keys...); err != nil {
		return err
	}
	if existing != nil && (existing.ServiceName != row.ServiceName || !sameStrings(existing.ServiceTags, row.ServiceTags)) {
		if err := refreshServiceChecksTxn(txn, idx, row); err != nil {
			return err
		}
	}
	if renamed {
		return dropUnusedServiceIndexes(txn, existing.ServiceName)
	}
	return nil
}

// refreshServiceChecksTxn rewrites the service name and tags that checks
// bound to svc carry, so check reads never show a service's old tags.
func refreshServiceChecksTxn(txn *memdb.Txn, idx uint64, svc *catalog.ServiceNode) error {
	checks, err := checksOfServiceInstanceTxn(txn, svc.Node, svc.ServiceID)
	if err != nil || len(checks) == 0 {
		return err
	}
	for _, old := range checks {
		hc := *old
		hc.ServiceName = svc.ServiceName
		hc.ServiceTags = copyStrings(svc.ServiceTags)
		hc.ModifyIndex = idx
		if err := txn.Insert(TableChecks, &hc); err != nil {
			return err
		}
	}
	return indexUpdate(txn, idx, TableChecks)
}

// DeleteService removes one service instance and the checks bound to it.
// An unknown service is not an error.
func (s *Store) DeleteService(idx uint64, now time.Time, node, serviceID string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := deleteServiceTxn(txn, idx, now, node, serviceID); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

func deleteServiceTxn(txn *memdb.Txn, idx uint64, now time.Time, node, serviceID string) error {
	svc, err := getServiceTxn(txn, node, serviceID)
	if err != nil || svc == nil {
		return err
	}
	checks, err := checksOfServiceInstanceTxn(txn, node, serviceID)
	if err != nil {
		return err
	}
	keys := []string{TableServices, serviceIndexKey(svc.ServiceName)}
	for _, hc := range checks {
		if err := txn.Delete(TableChecks, hc); err != nil {
			return err
		}
		if err := invalidateNodeSessionsTxn(txn, idx, now, hc.Node, hc.CheckID); err != nil {
			return err
		}
	}
	if len(checks) > 0 {
		keys = append(keys, TableChecks)
	}
	if err := txn.Delete(TableServices, svc); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, keys...); err != nil {
		return err
	}
	return dropUnusedServiceIndexes(txn, svc.ServiceName)
}

// dropUnusedServiceIndexes forgets the index entry of each named service
// that has no instance left, so churning service names do not pile up.
// Reads then fall back to the services table index, which the deletion
// raised at least as high, so the service's index does not go backwards.
func dropUnusedServiceIndexes(txn *memdb.Txn, names ...string) error {
	for _, name := range names {
		raw, err := txn.First(TableServices, indexService, name)
		if err != nil {
			return err
		}
		if raw != nil {
			continue
		}
		if _, err := txn.DeleteAll(TableIndex, indexID, serviceIndexKey(name)); err != nil {
			return err
		}
	}
	return nil
}
