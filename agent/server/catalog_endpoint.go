package server

import (
	"context"
	"errors"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
)

func (s *Server) catalogRegister(ctx context.Context, args *catalog.RegisterRequest, reply *struct{}) error {
	if err := validateRegister(args); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodCatalogRegister, args.Datacenter, false, true, args, reply, func() error {
		defer s.measure("catalog_register", time.Now())
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if err := vetRegister(authz, s.fsm.State(), args); err != nil {
			return err
		}
		_, err = s.raftApply(fsm.RegisterRequestType, args)
		return err
	})
}

func validateRegister(r *catalog.RegisterRequest) error {
	if r.Node == "" {
		return catalog.BadRequestf("Must provide node")
	}
	if r.Address == "" && !r.SkipNodeUpdate {
		return catalog.BadRequestf("Must provide address if SkipNodeUpdate is not set")
	}
	if r.Service != nil {
		if r.Service.Service == "" {
			return catalog.BadRequestf("Must provide service name with ID")
		}
		if r.Service.ID == "" {
			r.Service.ID = r.Service.Service
		}
		if r.Service.Port < 0 || r.Service.Port > 65535 {
			return catalog.BadRequestf("Invalid service port")
		}
	}
	checks := r.Checks
	if r.Check != nil {
		checks = append(checks, r.Check)
	}
	for _, c := range checks {
		if c == nil {
			return catalog.BadRequestf("Check must not be null")
		}
		if c.CheckID == "" && c.Name == "" {
			return catalog.BadRequestf("Must provide a check ID or name")
		}
		if c.Status != "" && !catalog.ValidHealthStatus(c.Status) {
			return catalog.BadRequestf("Invalid check status: \"" + c.Status + "\"")
		}
		if c.Node != "" && c.Node != r.Node {
			return catalog.BadRequestf("Check node must match the node being registered")
		}
	}
	return nil
}

func (s *Server) catalogDeregister(ctx context.Context, args *catalog.DeregisterRequest, reply *struct{}) error {
	if args.Node == "" {
		return catalog.BadRequestf("Must provide node")
	}
	return s.route(ctx, catalog.MethodCatalogDeregister, args.Datacenter, false, true, args, reply, func() error {
		defer s.measure("catalog_deregister", time.Now())
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if err := vetDeregister(authz, s.fsm.State(), args); err != nil {
			return err
		}
		_, err = s.raftApply(fsm.DeregisterRequestType, args)
		return err
	})
}

func (s *Server) catalogDatacenters(ctx context.Context, args *catalog.DCRequest, reply *[]string) error {
	*reply = s.router.Datacenters()
	return nil
}

func (s *Server) catalogListNodes(ctx context.Context, args *catalog.DCRequest, reply *catalog.IndexedNodes) error {
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodCatalogNodes, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, nodes, err := st.Nodes(ws)
		if err != nil {
			return err
		}
		nodes, reply.ResultsFilteredByACLs = keep(nodes, func(n *catalog.Node) bool { return authz.NodeRead(n.Node) })
		for _, n := range nodes {
			n.Datacenter = s.cfg.Datacenter
		}
		reply.Index = idx
		if reply.Nodes, err = applyFilter(filter, nodes); err != nil {
			return err
		}
		return sortByDistance(st, args.Near, reply.Nodes, func(n *catalog.Node) string { return n.Node })
	})
}

func (s *Server) catalogListServices(ctx context.Context, args *catalog.DCRequest, reply *catalog.IndexedServices) error {
	return s.read(ctx, catalog.MethodCatalogServices, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		reply.Index, reply.Services, err = st.Services(ws)
		reply.ResultsFilteredByACLs = false
		for name := range reply.Services {
			if !authz.ServiceRead(name) {
				delete(reply.Services, name)
				reply.ResultsFilteredByACLs = true
			}
		}
		return err
	})
}

func (s *Server) catalogServiceNodes(ctx context.Context, args *catalog.ServiceRequest, reply *catalog.IndexedServiceNodes) error {
	if args.ServiceName == "" {
		return catalog.BadRequestf("Must provide service name")
	}
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodCatalogServiceNodes, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, instances, err := st.ServiceNodes(ws, args.ServiceName, args.Tags)
		if err != nil {
			return err
		}
		instances, reply.ResultsFilteredByACLs = keep(instances, func(n *catalog.ServiceNode) bool {
			return authz.ServiceRead(n.ServiceName) && authz.NodeRead(n.Node)
		})
		kept := instances[:0]
		for _, n := range instances {
			n.Datacenter = s.cfg.Datacenter
			if metaMatches(n.NodeMeta, args.NodeMetaFilters) {
				kept = append(kept, n)
			}
		}
		reply.Index = idx
		if reply.ServiceNodes, err = applyFilter(filter, kept); err != nil {
			return err
		}
		return sortByDistance(st, args.Near, reply.ServiceNodes, func(n *catalog.ServiceNode) string { return n.Node })
	})
}

func (s *Server) catalogNodeServices(ctx context.Context, args *catalog.NodeRequest, reply *catalog.IndexedNodeServices) error {
	if args.Node == "" {
		return catalog.BadRequestf("Must provide node")
	}
	filter, err := parseFilter(args.Filter)
	if err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodCatalogNodeServices, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, ns, err := st.NodeServices(ws, args.Node)
		if err != nil {
			return err
		}
		reply.Index, reply.NodeServices, reply.ResultsFilteredByACLs = idx, ns, false
		if ns == nil || ns.Node == nil {
			return nil
		}
		if !authz.NodeRead(ns.Node.Node) {
			reply.NodeServices, reply.ResultsFilteredByACLs = nil, true
			return nil
		}
		for id, svc := range ns.Services {
			if !authz.ServiceRead(svc.Service) {
				delete(ns.Services, id)
				reply.ResultsFilteredByACLs = true
			}
		}
		n := *ns.Node
		n.Datacenter = s.cfg.Datacenter
		ns.Node = &n
		// As in Consul, the filter selects among the node's services.
		ns.Services, err = applyFilter(filter, ns.Services)
		return err
	})
}

// read routes a query (leader unless stale) and runs it as a blocking
// query where it lands. A follower first tries to answer a default or
// ?consistent read from its own replica through a read index
// (followerRead), and routes it only when that fails.
func (s *Server) read(ctx context.Context, method string, q *catalog.QueryOptions, args, reply interface{}, meta *catalog.QueryMeta, fn queryFn) error {
	if s.readsLocally(q) {
		if err := s.followerRead(ctx, q, reply, meta, fn); !errors.Is(err, errReadIndex) {
			return err
		}
	}
	return s.route(ctx, method, q.Datacenter, q.AllowStale, false, args, reply, func() error {
		return s.blockingQuery(ctx, q, meta, fn)
	})
}
