package server

import (
	"context"
	"math/rand/v2"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
)

// preparedQueryExecute runs a query by ID or name: the healthy instances
// of its service here, shuffled, then sorted by distance when a source
// node is known, then cut to the limit; with none here, its failover
// datacenters. It runs with the query's stored token when it has one,
// else with the caller's.
func (s *Server) preparedQueryExecute(ctx context.Context, args *catalog.PreparedQueryExecuteRequest, reply *catalog.PreparedQueryExecuteResponse) error {
	if args.QueryIDOrName == "" {
		return catalog.BadRequestf("Must provide a query ID or name")
	}
	if args.Limit < 0 {
		return catalog.BadRequestf("Bad limit: must be >= 0")
	}
	// Never blocking: a failover must not run once per wake-up.
	args.MinQueryIndex = 0
	return s.read(ctx, catalog.MethodPreparedQueryExecute, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		idx, q, err := resolveQuery(ws, st, args.QueryIDOrName)
		if err != nil {
			return err
		}
		if err := s.executeLocal(ws, st, q, args.Token, reply); err != nil {
			return err
		}
		reply.Index = max(reply.Index, idx)
		source := args.Source.Node
		if source == "" {
			source = q.Service.Near
		}
		if source == "_agent" {
			source = args.Agent.Node
		}
		shuffle(reply.Nodes)
		if args.Source.Datacenter == "" || strings.EqualFold(args.Source.Datacenter, s.cfg.Datacenter) {
			if err := sortByDistance(st, source, reply.Nodes, func(c *catalog.CheckServiceNode) string { return c.Node.Node }); err != nil {
				return err
			}
		}
		if args.Limit > 0 && len(reply.Nodes) > args.Limit {
			reply.Nodes = reply.Nodes[:args.Limit]
		}
		if len(reply.Nodes) == 0 {
			s.failover(ctx, q, args, reply)
		}
		return nil
	})
}

// preparedQueryExecuteRemote runs a query another datacenter resolved and
// sent, here, without failover of its own (failover does not cascade).
func (s *Server) preparedQueryExecuteRemote(ctx context.Context, args *catalog.PreparedQueryExecuteRemoteRequest, reply *catalog.PreparedQueryExecuteResponse) error {
	if args.Query.Service.Service == "" {
		return catalog.BadRequestf("Must provide a Service name to query")
	}
	args.MinQueryIndex = 0
	return s.read(ctx, catalog.MethodPreparedQueryExecuteRemote, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		if err := s.executeLocal(ws, st, &args.Query, args.Token, reply); err != nil {
			return err
		}
		shuffle(reply.Nodes)
		if args.Limit > 0 && len(reply.Nodes) > args.Limit {
			reply.Nodes = reply.Nodes[:args.Limit]
		}
		return nil
	})
}

// executeLocal fills reply with q's instances in this datacenter that the
// token may read and that pass q's filters.
func (s *Server) executeLocal(ws memdb.WatchSet, st *state.Store, q *catalog.PreparedQuery, callerToken string, reply *catalog.PreparedQueryExecuteResponse) error {
	token := callerToken
	if q.Token != "" {
		token = q.Token
	}
	authz, err := s.authorize(token)
	if err != nil {
		return err
	}
	reply.Service, reply.DNS, reply.Datacenter, reply.Failovers = q.Service.Service, q.DNS, s.cfg.Datacenter, 0
	if q.Service.Service == "" {
		// A template whose regexp did not match the name can render an
		// empty service: nothing has that name.
		reply.Index, reply.Nodes = 1, nil
		return nil
	}
	idx, nodes, err := st.CheckServiceNodes(ws, q.Service.Service, nil, false)
	if err != nil {
		return err
	}
	nodes, reply.ResultsFilteredByACLs = keep(nodes, func(c *catalog.CheckServiceNode) bool {
		return authz.ServiceRead(c.Service.Service) && authz.NodeRead(c.Node.Node)
	})
	kept := make(catalog.CheckServiceNodes, 0, len(nodes))
	dc := datacenterSetter{dc: s.cfg.Datacenter}
	for _, csn := range nodes {
		if queryMatches(&q.Service, csn) {
			kept = append(kept, &catalog.CheckServiceNode{Node: dc.set(csn.Node), Service: csn.Service, Checks: csn.Checks})
		}
	}
	reply.Index = idx
	reply.Nodes = kept
	return nil
}

// queryMatches applies a query's health, tag and metadata filters to one
// instance. Critical (and maintenance) checks always exclude it, warning
// ones with OnlyPassing; checks named in IgnoreCheckIDs do not count.
// Tags match case-insensitively; "!tag" excludes instances with tag.
func queryMatches(sq *catalog.ServiceQuery, csn *catalog.CheckServiceNode) bool {
	for _, hc := range csn.Checks {
		if inList(sq.IgnoreCheckIDs, hc.CheckID, false) {
			continue
		}
		switch hc.Status {
		case catalog.HealthPassing:
		case catalog.HealthWarning:
			if sq.OnlyPassing {
				return false
			}
		default:
			return false
		}
	}
	for _, tag := range sq.Tags {
		if neg, ok := strings.CutPrefix(tag, "!"); ok {
			if inList(csn.Service.Tags, neg, true) {
				return false
			}
		} else if !inList(csn.Service.Tags, tag, true) {
			return false
		}
	}
	return metaMatches(csn.Node.Meta, sq.NodeMeta) && metaMatches(csn.Service.Meta, sq.ServiceMeta)
}

// shuffle spreads clients over the instances, as Consul does before any
// sort or limit.
func shuffle(nodes catalog.CheckServiceNodes) {
	rand.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
}

// inList reports whether list holds s, ignoring case when fold is set.
func inList(list []string, s string, fold bool) bool {
	for _, v := range list {
		if v == s || fold && strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
