package local

import (
	"context"
	"time"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

// aliasWait is how long one blocking read of an aliased node's checks
// waits.
const aliasWait = 5 * time.Minute

// aliasSource answers alias checks from the catalog with blocking
// health reads, so an alias follows its target without polling.
type aliasSource struct{ s *State }

var _ checks.AliasSource = aliasSource{}

func (a aliasSource) AliasChecks(ctx context.Context, node, serviceID string, minIndex uint64) (checks.AliasResult, error) {
	if node == "" {
		node = a.s.cfg.NodeName
	}
	req := &catalog.NodeRequest{
		QueryOptions: catalog.QueryOptions{Datacenter: a.s.cfg.Datacenter, MinQueryIndex: minIndex, MaxQueryTime: aliasWait, AllowStale: true},
		Node:         node,
	}
	var out catalog.IndexedHealthChecks
	if err := a.s.rpc.RPC(ctx, catalog.MethodHealthNodeChecks, req, &out); err != nil {
		return checks.AliasResult{}, err
	}
	res := checks.AliasResult{Index: out.Index}
	for _, hc := range out.HealthChecks {
		if hc.ServiceID == "" || hc.ServiceID == serviceID {
			res.Checks = append(res.Checks, *hc)
		}
		if hc.ServiceID == serviceID {
			res.ServiceExists = true
		}
	}
	if !res.ServiceExists {
		// A service without checks shows only in the node's services.
		// Its appearance alone does not move the checks' index, so a
		// check-less target is noticed at the next wake or wait's end.
		var ns catalog.IndexedNodeServices
		nreq := &catalog.NodeRequest{QueryOptions: catalog.QueryOptions{Datacenter: a.s.cfg.Datacenter, AllowStale: true}, Node: node}
		if err := a.s.rpc.RPC(ctx, catalog.MethodCatalogNodeServices, nreq, &ns); err != nil {
			return checks.AliasResult{}, err
		}
		if ns.NodeServices != nil {
			_, res.ServiceExists = ns.NodeServices.Services[serviceID]
		}
	}
	return res, nil
}
