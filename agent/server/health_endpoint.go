package server

import (
	"context"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
)

func (s *Server) healthServiceNodes(ctx context.Context, args *catalog.ServiceRequest, reply *catalog.IndexedCheckServiceNodes) error {
	if args.ServiceName == "" {
		return catalog.BadRequestf("Must provide service name")
	}
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodHealthServiceNodes, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		// The caller holds the answer at NotModifiedIndex: if that is
		// still the index and this answer is final (no blocking, or the
		// index passed the caller's, or the wait ran out and ws is nil),
		// say so instead of reading and sending it again.
		// A sorted answer changes with coordinates, which do not move the
		// service's index, so it is never answered as not modified.
		if known := args.NotModifiedIndex; known != 0 && args.Near == "" &&
			(ws == nil || args.MinQueryIndex == 0 || known > args.MinQueryIndex) &&
			st.ServiceIndex(args.ServiceName) == known &&
			// An ACL change since the answer may change what this token
			// sees, though the service did not move.
			(!s.cfg.ACLsEnabled || st.ACLIndex() <= known) {
			reply.Index, reply.Nodes, reply.NotModified = known, nil, true
			return nil
		}
		reply.NotModified = false
		idx, nodes, err := st.CheckServiceNodes(ws, args.ServiceName, args.Tags, args.PassingOnly)
		if err != nil {
			return err
		}
		nodes, reply.ResultsFilteredByACLs = keep(nodes, func(c *catalog.CheckServiceNode) bool {
			return authz.ServiceRead(c.Service.Service) && authz.NodeRead(c.Node.Node)
		})
		reply.Index = idx
		kept := nodes[:0]
		dc := datacenterSetter{dc: s.cfg.Datacenter}
		for _, csn := range nodes {
			if metaMatches(csn.Node.Meta, args.NodeMetaFilters) {
				csn.Node = dc.set(csn.Node)
				kept = append(kept, csn)
			}
		}
		if reply.Nodes, err = applyFilter(filter, kept); err != nil {
			return err
		}
		return sortByDistance(st, args.Near, reply.Nodes, func(c *catalog.CheckServiceNode) string { return c.Node.Node })
	})
}

func (s *Server) healthServiceChecks(ctx context.Context, args *catalog.ServiceRequest, reply *catalog.IndexedHealthChecks) error {
	if args.ServiceName == "" {
		return catalog.BadRequestf("Must provide service name")
	}
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodHealthServiceChecks, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, checks, err := st.ServiceChecks(ws, args.ServiceName)
		if err != nil {
			return err
		}
		checks, reply.ResultsFilteredByACLs = keep(checks, func(hc *catalog.HealthCheck) bool { return checkAllowed(authz, hc) })
		reply.Index = idx
		if checks, err = checksOnMatchingNodes(ws, st, checks, args.NodeMetaFilters); err != nil {
			return err
		}
		reply.HealthChecks, err = applyFilter(filter, checks)
		return err
	})
}

func (s *Server) healthNodeChecks(ctx context.Context, args *catalog.NodeRequest, reply *catalog.IndexedHealthChecks) error {
	if args.Node == "" {
		return catalog.BadRequestf("Must provide node")
	}
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodHealthNodeChecks, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, checks, err := st.NodeChecks(ws, args.Node)
		if err != nil {
			return err
		}
		checks, reply.ResultsFilteredByACLs = keep(checks, func(hc *catalog.HealthCheck) bool { return checkAllowed(authz, hc) })
		reply.Index = idx
		reply.HealthChecks, err = applyFilter(filter, checks)
		return err
	})
}

func (s *Server) healthChecksInState(ctx context.Context, args *catalog.ChecksInStateRequest, reply *catalog.IndexedHealthChecks) error {
	switch args.State {
	case catalog.HealthAny, catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return catalog.BadRequestf("Bad check state: " + args.State + " (must be one of any, passing, warning, critical)")
	}
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodHealthChecksInState, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, checks, err := st.ChecksInState(ws, args.State)
		if err != nil {
			return err
		}
		checks, reply.ResultsFilteredByACLs = keep(checks, func(hc *catalog.HealthCheck) bool { return checkAllowed(authz, hc) })
		reply.Index = idx
		if checks, err = checksOnMatchingNodes(ws, st, checks, args.NodeMetaFilters); err != nil {
			return err
		}
		reply.HealthChecks, err = applyFilter(filter, checks)
		return err
	})
}

// checksOnMatchingNodes keeps the checks whose node carries every pair of
// meta, reading (and watching) each node once.
func checksOnMatchingNodes(ws memdb.WatchSet, st *state.Store, checks catalog.HealthChecks, meta map[string]string) (catalog.HealthChecks, error) {
	if len(meta) == 0 {
		return checks, nil
	}
	match := map[string]bool{}
	kept := checks[:0]
	for _, hc := range checks {
		ok, seen := match[hc.Node]
		if !seen {
			_, n, err := st.GetNode(ws, hc.Node)
			if err != nil {
				return nil, err
			}
			ok = n != nil && metaMatches(n.Meta, meta)
			match[hc.Node] = ok
		}
		if ok {
			kept = append(kept, hc)
		}
	}
	return kept, nil
}

// metaMatches reports whether meta holds every pair of want.
func metaMatches(meta, want map[string]string) bool {
	for k, v := range want {
		if got, ok := meta[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// datacenterSetter gives nodes read from the store this server's
// datacenter. The store hands out its own rows, which must not change, so
// a node whose row says otherwise is copied; instances on one node come
// one after the other and share the copy.
type datacenterSetter struct {
	dc       string
	row, out *catalog.Node
}

func (d *datacenterSetter) set(n *catalog.Node) *catalog.Node {
	if n.Datacenter == d.dc {
		return n
	}
	if n != d.row {
		c := *n
		c.Datacenter = d.dc
		d.row, d.out = n, &c
	}
	return d.out
}
