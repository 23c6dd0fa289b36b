package state

import (
	"fmt"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

func badRequest(format string, args ...interface{}) error {
	return catalog.BadRequestf(fmt.Sprintf(format, args...))
}

// validUUID accepts the 8-4-4-4-12 hex form Consul requires of node IDs.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

func getNodeTxn(txn *memdb.Txn, name string) (*catalog.Node, error) {
	raw, err := txn.First(TableNodes, indexID, name)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.Node), nil
}

func getNodeByIDTxn(txn *memdb.Txn, id string) (*catalog.Node, error) {
	raw, err := txn.First(TableNodes, indexUUID, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.Node), nil
}

func getServiceTxn(txn *memdb.Txn, node, serviceID string) (*catalog.ServiceNode, error) {
	raw, err := txn.First(TableServices, indexID, node, serviceID)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.ServiceNode), nil
}

func getCheckTxn(txn *memdb.Txn, node, checkID string) (*catalog.HealthCheck, error) {
	raw, err := txn.First(TableChecks, indexID, node, checkID)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.HealthCheck), nil
}

func servicesOfNodeTxn(txn *memdb.Txn, node string) ([]*catalog.ServiceNode, error) {
	iter, err := txn.Get(TableServices, indexNode, node)
	if err != nil {
		return nil, err
	}
	var out []*catalog.ServiceNode
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.ServiceNode))
	}
	return out, nil
}

func checksOfNodeTxn(txn *memdb.Txn, node string) ([]*catalog.HealthCheck, error) {
	return collectChecks(txn.Get(TableChecks, indexNode, node))
}

func checksOfServiceInstanceTxn(txn *memdb.Txn, node, serviceID string) ([]*catalog.HealthCheck, error) {
	return collectChecks(txn.Get(TableChecks, indexNodeService, node, serviceID))
}

func collectChecks(iter memdb.ResultIterator, err error) ([]*catalog.HealthCheck, error) {
	if err != nil {
		return nil, err
	}
	var out []*catalog.HealthCheck
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.HealthCheck))
	}
	return out, nil
}

// nodeIsDead reports whether the node's gossip check says it is gone, which
// is what lets another node identity take over its name.
func nodeIsDead(txn *memdb.Txn, node string) bool {
	hc, err := getCheckTxn(txn, node, catalog.SerfCheckID)
	return err == nil && hc != nil && hc.Status == catalog.HealthCritical
}

func sameNode(a, b *catalog.Node) bool {
	return a.ID == b.ID && a.Node == b.Node && a.Address == b.Address &&
		a.Datacenter == b.Datacenter &&
		sameStringMap(a.TaggedAddresses, b.TaggedAddresses) &&
		sameStringMap(a.Meta, b.Meta)
}

func sameService(a, b *catalog.ServiceNode) bool {
	return a.Node == b.Node && a.ServiceID == b.ServiceID &&
		a.ServiceName == b.ServiceName &&
		sameStrings(a.ServiceTags, b.ServiceTags) &&
		a.ServiceAddress == b.ServiceAddress &&
		sameStringMap(a.ServiceMeta, b.ServiceMeta) &&
		a.ServicePort == b.ServicePort &&
		a.ServiceWeights == b.ServiceWeights &&
		a.ServiceEnableTagOverride == b.ServiceEnableTagOverride
}

func sameCheck(a, b *catalog.HealthCheck) bool {
	return a.Node == b.Node && a.CheckID == b.CheckID && a.Name == b.Name &&
		a.Status == b.Status && a.Notes == b.Notes && a.Output == b.Output &&
		a.ServiceID == b.ServiceID && a.ServiceName == b.ServiceName &&
		sameStrings(a.ServiceTags, b.ServiceTags) && a.Type == b.Type
}
