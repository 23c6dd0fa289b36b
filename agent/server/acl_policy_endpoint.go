package server

import (
	"context"
	"fmt"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-uuid"
)

func (s *Server) aclPolicySet(ctx context.Context, args *catalog.ACLRequest, reply *catalog.ACLPolicy) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	if args.Policy == nil {
		return catalog.BadRequestf("missing policy")
	}
	// Written in the primary; this datacenter gets it by replication.
	args.Datacenter = s.primaryDC(args.Datacenter)
	return s.route(ctx, catalog.MethodACLPolicySet, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		p := *args.Policy
		if !validName.MatchString(p.Name) {
			return catalog.BadRequestf("Invalid Policy: invalid Name; it must be 1 to 128 letters, digits, dashes and underscores")
		}
		if _, err := acl.Parse(p.Rules); err != nil {
			return catalog.BadRequestf("Invalid Policy: failed to parse rules: " + err.Error())
		}
		st := s.fsm.State()
		if args.Create {
			if p.ID == "" {
				id, err := uuid.GenerateUUID()
				if err != nil {
					return err
				}
				p.ID = id
			}
			if _, existing, _ := st.ACLPolicyGet(nil, p.ID, ""); existing != nil {
				return catalog.BadRequestf("a policy with ID " + p.ID + " already exists")
			}
		} else {
			_, existing, err := st.ACLPolicyGet(nil, p.ID, "")
			if err != nil {
				return err
			}
			if existing == nil {
				return catalog.ErrACLNotFound
			}
			if p.ID == acl.GlobalManagementPolicyID && (p.Rules != existing.Rules || len(p.Datacenters) > 0) {
				return catalog.BadRequestf("the global-management policy's rules and datacenters cannot change")
			}
		}
		if _, other, _ := st.ACLPolicyGet(nil, "", p.Name); other != nil && other.ID != p.ID {
			return catalog.BadRequestf("Invalid Policy: a policy named " + p.Name + " already exists")
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLPolicySet, Policy: &p}); err != nil {
			return err
		}
		_, out, err := s.fsm.State().ACLPolicyGet(nil, p.ID, "")
		if err != nil || out == nil {
			return fmt.Errorf("reading the policy back: %v", err)
		}
		*reply = *out
		return nil
	})
}

func (s *Server) aclPolicyRead(ctx context.Context, args *catalog.ACLReadRequest, reply *catalog.IndexedACLPolicies) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodACLPolicyRead, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		if _, err := s.aclAllowed(args.QueryOptions.Token, false); err != nil {
			return err
		}
		idx, p, err := st.ACLPolicyGet(ws, args.ID, args.Name)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Policies = nil
		if p == nil {
			return nil
		}
		reply.Policies = []*catalog.ACLPolicy{p}
		return nil
	})
}

func (s *Server) aclPolicyDelete(ctx context.Context, args *catalog.ACLRequest, reply *struct{}) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	// Written in the primary; this datacenter gets it by replication.
	args.Datacenter = s.primaryDC(args.Datacenter)
	return s.route(ctx, catalog.MethodACLPolicyDelete, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		if args.ID == acl.GlobalManagementPolicyID {
			return catalog.BadRequestf("the global-management policy cannot be deleted")
		}
		_, p, err := s.fsm.State().ACLPolicyGet(nil, args.ID, "")
		if err != nil {
			return err
		}
		if p == nil {
			return catalog.ErrACLNotFound
		}
		_, err = s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLPolicyDelete, ID: args.ID})
		return err
	})
}

func (s *Server) aclPolicyList(ctx context.Context, args *catalog.ACLListRequest, reply *catalog.IndexedACLPolicies) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodACLPolicyList, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		if _, err := s.aclAllowed(args.QueryOptions.Token, false); err != nil {
			return err
		}
		var err error
		reply.Index, reply.Policies, err = st.ACLPolicyList(ws)
		return err
	})
}
