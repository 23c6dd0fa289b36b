package server

import (
	"context"
	"fmt"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-uuid"
)

// ACLs on prepared queries, as Consul documents them: a query with a
// Name is governed by query rules on that name (a template's Name is its
// prefix); one without a name is governed by no rule, and its ID (a
// random UUID) is the capability to read it. Listing shows unnamed
// queries to management tokens only. A stored Token is shown to
// management tokens only, "<hidden>" to everyone else.

// redactedToken replaces a stored token for callers that may not see it.
const redactedToken = "<hidden>"

// queryNamed reports the ACL prefix of q, and false when no rule governs
// it (no name).
func queryNamed(q *catalog.PreparedQuery) (string, bool) {
	return q.Name, q.Name != ""
}

// preparedQueryApply creates (the leader picks the ID), updates or
// deletes a query and answers its ID.
func (s *Server) preparedQueryApply(ctx context.Context, args *catalog.PreparedQueryRequest, reply *string) error {
	q := &args.Query
	switch args.Op {
	case catalog.PreparedQueryCreate:
		if q.ID != "" {
			return catalog.BadRequestf("ID must be empty when creating a new prepared query")
		}
	case catalog.PreparedQueryUpdate, catalog.PreparedQueryDelete:
		if q.ID == "" {
			return catalog.BadRequestf("Must provide the ID of the prepared query")
		}
	default:
		return catalog.BadRequestf(fmt.Sprintf("Unknown prepared query operation: %q", args.Op))
	}
	if args.Op != catalog.PreparedQueryDelete {
		if err := validatePreparedQuery(q); err != nil {
			return err
		}
	}
	return s.route(ctx, catalog.MethodPreparedQueryApply, args.Datacenter, false, true, args, reply, func() error {
		defer s.measure("prepared-query.apply", time.Now())
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if args.Op != catalog.PreparedQueryDelete {
			if name, ok := queryNamed(q); ok && !authz.PreparedQueryWrite(name) {
				return catalog.ErrPermissionDenied
			}
		}
		st := s.fsm.State()
		if args.Op == catalog.PreparedQueryCreate {
			if q.ID, err = newPreparedQueryID(st); err != nil {
				return err
			}
		} else {
			_, existing, err := st.PreparedQueryGet(nil, q.ID)
			if err != nil {
				return err
			}
			if existing == nil {
				return fmt.Errorf("%w: cannot modify non-existent prepared query %q", catalog.ErrNotFound, q.ID)
			}
			if name, ok := queryNamed(existing); ok && !authz.PreparedQueryWrite(name) {
				return catalog.ErrPermissionDenied
			}
		}
		if _, err := s.raftApply(fsm.PreparedQueryRequestType, args); err != nil {
			return err
		}
		*reply = q.ID
		return nil
	})
}

// validatePreparedQuery checks what needs no state, before the write is
// routed.
func validatePreparedQuery(q *catalog.PreparedQuery) error {
	if q.Service.Service == "" {
		return catalog.BadRequestf("Must provide a Service name to query")
	}
	if q.Service.Failover.NearestN < 0 {
		return catalog.BadRequestf(fmt.Sprintf("Bad NearestN '%d', must be >= 0", q.Service.Failover.NearestN))
	}
	// A template's TTL may be rendered per name; it is checked when used.
	if q.DNS.TTL != "" && !(q.IsTemplate() && hasInterpolation(q.DNS.TTL)) {
		ttl, err := time.ParseDuration(q.DNS.TTL)
		if err != nil {
			return catalog.BadRequestf(fmt.Sprintf("Bad DNS TTL '%s': %v", q.DNS.TTL, err))
		}
		if ttl < 0 {
			return catalog.BadRequestf(fmt.Sprintf("Bad DNS TTL '%s', must be >=0", q.DNS.TTL))
		}
	}
	return validateTemplate(q)
}

func newPreparedQueryID(st *state.Store) (string, error) {
	for i := 0; i < 10; i++ {
		id, err := uuid.GenerateUUID()
		if err != nil {
			return "", err
		}
		if _, existing, err := st.PreparedQueryGet(nil, id); err != nil {
			return "", err
		} else if existing == nil {
			return id, nil
		}
	}
	return "", fmt.Errorf("no unused prepared query ID found")
}

// redact returns q as the token may see it: the stored Token hidden from
// all but management tokens (when ACLs are on).
func (s *Server) redact(authz acl.Authorizer, q *catalog.PreparedQuery) *catalog.PreparedQuery {
	if !s.cfg.ACLsEnabled || authz.ACLWrite() || q.Token == "" {
		return q
	}
	c := *q
	c.Token = redactedToken
	return &c
}

// preparedQueryGet reads one query by ID. A named query needs query:read
// on its name; an unnamed one is readable by whoever knows its ID.
func (s *Server) preparedQueryGet(ctx context.Context, args *catalog.PreparedQuerySpecificRequest, reply *catalog.IndexedPreparedQueries) error {
	if args.QueryID == "" {
		return catalog.BadRequestf("Must provide a query ID")
	}
	return s.read(ctx, catalog.MethodPreparedQueryGet, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, q, err := st.PreparedQueryGet(ws, args.QueryID)
		if err != nil {
			return err
		}
		reply.Index = idx
		if q == nil {
			return fmt.Errorf("%w: query %q", catalog.ErrNotFound, args.QueryID)
		}
		if name, ok := queryNamed(q); ok && !authz.PreparedQueryRead(name) {
			return catalog.ErrPermissionDenied
		}
		reply.Queries = []*catalog.PreparedQuery{s.redact(authz, q)}
		return nil
	})
}

// preparedQueryList lists the queries the token may read.
func (s *Server) preparedQueryList(ctx context.Context, args *catalog.DCRequest, reply *catalog.IndexedPreparedQueries) error {
	return s.read(ctx, catalog.MethodPreparedQueryList, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, all, err := st.PreparedQueryList(ws)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Queries, reply.ResultsFilteredByACLs = keep(all, func(q *catalog.PreparedQuery) bool {
			name, ok := queryNamed(q)
			if !ok {
				return !s.cfg.ACLsEnabled || authz.ACLWrite()
			}
			return authz.PreparedQueryRead(name)
		})
		for i, q := range reply.Queries {
			reply.Queries[i] = s.redact(authz, q)
		}
		return nil
	})
}

// preparedQueryExplain answers the query that executing QueryIDOrName
// would run, templates rendered.
func (s *Server) preparedQueryExplain(ctx context.Context, args *catalog.PreparedQueryExecuteRequest, reply *catalog.PreparedQueryExplainResponse) error {
	if args.QueryIDOrName == "" {
		return catalog.BadRequestf("Must provide a query ID or name")
	}
	return s.read(ctx, catalog.MethodPreparedQueryExplain, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, q, err := resolveQuery(ws, st, args.QueryIDOrName)
		if err != nil {
			return err
		}
		reply.Index = idx
		if name, ok := queryNamed(q); ok && !authz.PreparedQueryRead(name) {
			return catalog.ErrPermissionDenied
		}
		reply.Query = *s.redact(authz, q)
		return nil
	})
}

// resolveQuery finds the query idOrName executes and renders it when it
// is a template: for the name it was asked by, or for its own name when
// it was asked by ID.
func resolveQuery(ws memdb.WatchSet, st *state.Store, idOrName string) (uint64, *catalog.PreparedQuery, error) {
	idx, q, err := st.PreparedQueryResolve(ws, idOrName)
	if err != nil {
		return 0, nil, err
	}
	if q == nil {
		return idx, nil, fmt.Errorf("%w: no prepared query with ID or name %q", catalog.ErrNotFound, idOrName)
	}
	name := idOrName
	if q.ID == idOrName {
		name = q.Name
	}
	r, err := renderQuery(q, name)
	if err != nil {
		return idx, nil, fmt.Errorf("rendering template %s for %q: %w", q.ID, name, err)
	}
	return idx, r, nil
}

func hasInterpolation(s string) bool { return interpolation.MatchString(s) }
