package state

import (
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

func ensureCheckTxn(txn *memdb.Txn, idx uint64, now time.Time, reqNode string, in *catalog.HealthCheck) error {
	hc := *in
	if hc.Node == "" {
		hc.Node = reqNode
	} else if !strings.EqualFold(hc.Node, reqNode) {
		return badRequest("check node %q does not match registration node %q", hc.Node, reqNode)
	}
	if hc.CheckID == "" {
		hc.CheckID = hc.Name
	}
	if hc.CheckID == "" {
		return badRequest("missing check ID")
	}
	if hc.Status == "" {
		hc.Status = catalog.HealthCritical
	} else if !catalog.ValidHealthStatus(hc.Status) {
		return badRequest("invalid status %q for check %q", hc.Status, hc.CheckID)
	}
	node, err := getNodeTxn(txn, hc.Node)
	if err != nil {
		return err
	}
	if node == nil {
		return badRequest("node %q is not registered", hc.Node)
	}
	hc.Node = node.Node

	// The service's name and tags are the store's to fill: whatever the
	// caller sent there is ignored so reads by service stay consistent.
	hc.ServiceName, hc.ServiceTags = "", nil
	if hc.ServiceID != "" {
		svc, err := getServiceTxn(txn, node.Node, hc.ServiceID)
		if err != nil {
			return err
		}
		if svc == nil {
			return badRequest("unknown service ID %q for check %q", hc.ServiceID, hc.CheckID)
		}
		hc.ServiceName = svc.ServiceName
		hc.ServiceTags = copyStrings(svc.ServiceTags)
	}

	existing, err := getCheckTxn(txn, node.Node, hc.CheckID)
	if err != nil {
		return err
	}
	if existing != nil && sameCheck(existing, &hc) {
		return nil
	}
	hc.CreateIndex, hc.ModifyIndex = idx, idx
	if existing != nil {
		hc.CreateIndex = existing.CreateIndex
	}
	if err := txn.Insert(TableChecks, &hc); err != nil {
		return err
	}
	// A check that turns critical ends the sessions tied to it in the
	// same transaction, so no reader sees the failure with the locks
	// still held.
	if hc.Status == catalog.HealthCritical && (existing == nil || existing.Status != catalog.HealthCritical) {
		if err := invalidateNodeSessionsTxn(txn, idx, now, hc.Node, hc.CheckID); err != nil {
			return err
		}
	}
	keys, err := checkServiceKeys(txn, &hc)
	if err != nil {
		return err
	}
	if existing != nil && existing.ServiceID != hc.ServiceID {
		old, err := checkServiceKeys(txn, existing)
		if err != nil {
			return err
		}
		keys = append(keys, old...)
	}
	return indexUpdate(txn, idx, append(keys, TableChecks)...)
}

// checkServiceKeys names the service index entries a change to hc moves: its
// own service's, or for a node-level check every service on the node, since
// a node check counts towards the health of each of them.
func checkServiceKeys(txn *memdb.Txn, hc *catalog.HealthCheck) ([]string, error) {
	if hc.ServiceID != "" {
		return []string{serviceIndexKey(hc.ServiceName)}, nil
	}
	services, err := servicesOfNodeTxn(txn, hc.Node)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(services))
	for _, sn := range services {
		keys = append(keys, serviceIndexKey(sn.ServiceName))
	}
	return keys, nil
}

// DeleteCheck removes one check and ends the sessions tied to it. An
// unknown check is not an error.
func (s *Store) DeleteCheck(idx uint64, now time.Time, node, checkID string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	hc, err := getCheckTxn(txn, node, checkID)
	if err != nil || hc == nil {
		return err
	}
	keys, err := checkServiceKeys(txn, hc)
	if err != nil {
		return err
	}
	if err := txn.Delete(TableChecks, hc); err != nil {
		return err
	}
	if err := invalidateNodeSessionsTxn(txn, idx, now, hc.Node, hc.CheckID); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, append(keys, TableChecks)...); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}
