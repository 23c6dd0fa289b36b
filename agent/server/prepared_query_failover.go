package server

import (
	"context"
	"fmt"

	"github.com/concord-dev/concord/catalog"
)

// DatacenterSorter knows the federation's datacenters and how far they
// are. *wan.Router satisfies it: its Datacenters is what
// /v1/catalog/datacenters answers, which Consul orders by estimated round
// trip. Safe for concurrent use.
type DatacenterSorter interface {
	// Datacenters lists every known datacenter, this one included,
	// nearest first by estimated round trip to its servers (where this
	// one appears does not matter).
	Datacenters() []string
}

// RemoteQueryExecutor runs a prepared query in another datacenter: it
// sends args (args.Datacenter names the target; args.Query is the
// rendered query, which that datacenter does not store) to a server
// there, which answers catalog.MethodPreparedQueryExecuteRemote, and
// fills reply with its answer. Safe for concurrent use.
type RemoteQueryExecutor interface {
	ExecuteRemote(ctx context.Context, args *catalog.PreparedQueryExecuteRemoteRequest, reply *catalog.PreparedQueryExecuteResponse) error
}

// routedExecutor is the default RemoteQueryExecutor: it calls
// PreparedQuery.ExecuteRemote in process, whose route sends a call for
// another datacenter wherever the server's routing sends such calls.
// While the router knows no other datacenter that is nowhere (the call
// answers catalog.ErrUnknownDC), and the default sorter, the router,
// then offers no failover target in the first place.
type routedExecutor struct{ s *Server }

func (e routedExecutor) ExecuteRemote(ctx context.Context, args *catalog.PreparedQueryExecuteRemoteRequest, reply *catalog.PreparedQueryExecuteResponse) error {
	if e.s.router.IsLocal(args.Datacenter) {
		return fmt.Errorf("prepared query failover to the local datacenter %q", args.Datacenter)
	}
	return e.s.RPC(ctx, catalog.MethodPreparedQueryExecuteRemote, args, reply)
}

// failoverTargets lists where a query with no healthy local instance
// looks next, in order: the NearestN nearest other datacenters, then each
// of Datacenters not already listed. Datacenters the sorter does not know
// are skipped, as Consul does, so a stale list does not cost a timeout
// per unknown name.
func failoverTargets(local string, known []string, f catalog.QueryFailoverOptions) []string {
	isKnown := make(map[string]bool, len(known))
	var out []string
	listed := map[string]bool{local: true}
	for _, dc := range known {
		isKnown[dc] = true
		if len(out) < f.NearestN && !listed[dc] {
			out = append(out, dc)
			listed[dc] = true
		}
	}
	for _, dc := range f.Datacenters {
		if isKnown[dc] && !listed[dc] {
			out = append(out, dc)
			listed[dc] = true
		}
	}
	return out
}

// failover asks the failover targets in order until one answers with
// instances; reply then holds that answer. Failovers counts every
// datacenter asked, answered or not. A datacenter that fails is logged
// and skipped.
func (s *Server) failover(ctx context.Context, q *catalog.PreparedQuery, args *catalog.PreparedQueryExecuteRequest, reply *catalog.PreparedQueryExecuteResponse) {
	targets := failoverTargets(s.cfg.Datacenter, s.dcs.Datacenters(), q.Service.Failover)
	failovers := 0
	for _, dc := range targets {
		failovers++
		remote := &catalog.PreparedQueryExecuteRemoteRequest{
			QueryOptions: catalog.QueryOptions{
				Datacenter:        dc,
				Token:             args.Token,
				AllowStale:        args.AllowStale,
				RequireConsistent: args.RequireConsistent,
			},
			Query: *q,
			Limit: args.Limit,
		}
		var answer catalog.PreparedQueryExecuteResponse
		if err := s.remoteQueries.ExecuteRemote(ctx, remote, &answer); err != nil {
			s.logger.Warn("prepared query failover: datacenter did not answer", "query", q.ID, "datacenter", dc, "error", err)
			continue
		}
		if len(answer.Nodes) > 0 {
			*reply = answer
			break
		}
	}
	reply.Failovers = failovers
}
