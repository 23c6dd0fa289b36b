package server

import (
	"context"
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-uuid"
)

func (s *Server) aclRoleSet(ctx context.Context, args *catalog.ACLRequest, reply *catalog.ACLRole) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	if args.Role == nil {
		return catalog.BadRequestf("missing role")
	}
	// Written in the primary; this datacenter gets it by replication.
	args.Datacenter = s.primaryDC(args.Datacenter)
	return s.route(ctx, catalog.MethodACLRoleSet, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		r := *args.Role
		if !validName.MatchString(r.Name) {
			return catalog.BadRequestf("Invalid Role: invalid Name; it must be 1 to 128 letters, digits, dashes and underscores")
		}
		st := s.fsm.State()
		if args.Create {
			if r.ID == "" {
				id, err := uuid.GenerateUUID()
				if err != nil {
					return err
				}
				r.ID = id
			}
			if _, existing, _ := st.ACLRoleGet(nil, r.ID, ""); existing != nil {
				return catalog.BadRequestf("a role with ID " + r.ID + " already exists")
			}
		} else if _, existing, err := st.ACLRoleGet(nil, r.ID, ""); err != nil {
			return err
		} else if existing == nil {
			return catalog.ErrACLNotFound
		}
		if _, other, _ := st.ACLRoleGet(nil, "", r.Name); other != nil && other.ID != r.ID {
			return catalog.BadRequestf("Invalid Role: a role named " + r.Name + " already exists")
		}
		if err := s.checkLinks(r.Policies, nil); err != nil {
			return err
		}
		if err := checkIdentities(r.ServiceIdentities, r.NodeIdentities); err != nil {
			return err
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLRoleSet, Role: &r}); err != nil {
			return err
		}
		_, out, err := s.fsm.State().ACLRoleGet(nil, r.ID, "")
		if err != nil || out == nil {
			return fmt.Errorf("reading the role back: %v", err)
		}
		*reply = *out
		return nil
	})
}

func (s *Server) aclRoleRead(ctx context.Context, args *catalog.ACLReadRequest, reply *catalog.IndexedACLRoles) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodACLRoleRead, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		if _, err := s.aclAllowed(args.QueryOptions.Token, false); err != nil {
			return err
		}
		idx, r, err := st.ACLRoleGet(ws, args.ID, args.Name)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Roles = nil
		if r == nil {
			return nil
		}
		reply.Roles = []*catalog.ACLRole{r}
		return nil
	})
}

func (s *Server) aclRoleDelete(ctx context.Context, args *catalog.ACLRequest, reply *struct{}) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	// Written in the primary; this datacenter gets it by replication.
	args.Datacenter = s.primaryDC(args.Datacenter)
	return s.route(ctx, catalog.MethodACLRoleDelete, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		_, r, err := s.fsm.State().ACLRoleGet(nil, args.ID, "")
		if err != nil {
			return err
		}
		if r == nil {
			return catalog.ErrACLNotFound
		}
		_, err = s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLRoleDelete, ID: args.ID})
		return err
	})
}

func (s *Server) aclRoleList(ctx context.Context, args *catalog.ACLListRequest, reply *catalog.IndexedACLRoles) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	return s.read(ctx, catalog.MethodACLRoleList, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		if _, err := s.aclAllowed(args.QueryOptions.Token, false); err != nil {
			return err
		}
		var err error
		reply.Index, reply.Roles, err = st.ACLRoleList(ws)
		return err
	})
}
