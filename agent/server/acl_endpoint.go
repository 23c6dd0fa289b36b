package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-uuid"
)

// redactedSecret replaces a SecretID for readers without acl:write.
const redactedSecret = "<hidden>"

// bootstrapResetFile, in the data directory, holds the index that allows
// one more bootstrap, as in Consul.
const bootstrapResetFile = "acl-bootstrap-reset"

var validName = regexp.MustCompile(`^[A-Za-z0-9\-_]{1,128}$`)

func (s *Server) aclsOn() error {
	if !s.cfg.ACLsEnabled {
		return catalog.ErrACLDisabled
	}
	return nil
}

// aclAllowed checks the caller's acl:read or acl:write.
func (s *Server) aclAllowed(token string, write bool) (acl.Authorizer, error) {
	authz, err := s.authorize(token)
	if err != nil {
		return nil, err
	}
	if write && !authz.ACLWrite() || !write && !authz.ACLRead() {
		return nil, catalog.ErrPermissionDenied
	}
	return authz, nil
}

func (s *Server) aclBootstrap(ctx context.Context, args *catalog.ACLRequest, reply *catalog.ACLToken) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	if s.isSecondary() && s.router.IsLocal(args.Datacenter) {
		// Consul's answer: bootstrapping happens in the primary only.
		return catalog.ErrACLDisabled
	}
	return s.route(ctx, catalog.MethodACLBootstrap, args.Datacenter, false, true, args, reply, func() error {
		reset := s.readBootstrapReset()
		tok, err := newToken(&catalog.ACLToken{
			Description: "Bootstrap Token (Global Management)",
			Policies:    []catalog.ACLLink{{ID: acl.GlobalManagementPolicyID}},
		}, time.Now())
		if err != nil {
			return err
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLBootstrap, Token: tok, ResetIndex: reset}); err != nil {
			return err
		}
		if reset != 0 {
			_ = os.Remove(filepath.Join(s.cfg.DataDir, bootstrapResetFile))
		}
		return s.readToken(tok.AccessorID, reply)
	})
}

// readBootstrapReset reads the reset index an operator wrote, 0 if none.
func (s *Server) readBootstrapReset() uint64 {
	if s.cfg.DataDir == "" {
		return 0
	}
	buf, err := os.ReadFile(filepath.Join(s.cfg.DataDir, bootstrapResetFile))
	if err != nil {
		return 0
	}
	idx, err := strconv.ParseUint(strings.TrimSpace(string(buf)), 10, 64)
	if err != nil {
		s.logger.Warn("ignoring a malformed acl-bootstrap-reset file", "error", err)
		return 0
	}
	return idx
}

func (s *Server) readToken(accessor string, reply *catalog.ACLToken) error {
	_, tok, err := s.fsm.State().ACLTokenGet(nil, accessor, false)
	if err != nil {
		return err
	}
	if tok == nil {
		return catalog.ErrACLNotFound
	}
	*reply = *tok
	return nil
}

// newToken fills a token to create: IDs generated when absent (given
// ones must be UUIDs), the create time, and an expiration from its TTL.
func newToken(in *catalog.ACLToken, now time.Time) (*catalog.ACLToken, error) {
	t := *in
	var err error
	if t.AccessorID == "" {
		if t.AccessorID, err = uuid.GenerateUUID(); err != nil {
			return nil, err
		}
	} else if _, err := uuid.ParseUUID(t.AccessorID); err != nil {
		return nil, catalog.BadRequestf("AccessorID must be a UUID")
	}
	if t.SecretID == "" {
		if t.SecretID, err = uuid.GenerateUUID(); err != nil {
			return nil, err
		}
	} else if _, err := uuid.ParseUUID(t.SecretID); err != nil {
		return nil, catalog.BadRequestf("SecretID must be a UUID")
	}
	t.CreateTime = now
	if t.ExpirationTTL < 0 {
		return nil, catalog.BadRequestf("ExpirationTTL cannot be negative")
	}
	if t.ExpirationTTL > 0 {
		if t.ExpirationTime != nil {
			return nil, catalog.BadRequestf("Expiration TTL and Expiration Time cannot both be set")
		}
		exp := now.Add(t.ExpirationTTL)
		t.ExpirationTime = &exp
	}
	if t.ExpirationTime != nil && !t.ExpirationTime.After(now) {
		return nil, catalog.BadRequestf("ExpirationTime cannot be in the past")
	}
	return &t, nil
}

func (s *Server) aclTokenSet(ctx context.Context, args *catalog.ACLRequest, reply *catalog.ACLToken) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	if args.Token == nil {
		return catalog.BadRequestf("missing token")
	}
	if err := s.tokenDC(args, args.Token.Local, args.Token.AccessorID); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodACLTokenSet, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		st := s.fsm.State()
		var tok *catalog.ACLToken
		if args.Create {
			if args.Token.AccessorID != "" {
				if _, existing, err := st.ACLTokenGet(nil, args.Token.AccessorID, false); err != nil {
					return err
				} else if existing != nil {
					return catalog.BadRequestf("a token with AccessorID " + args.Token.AccessorID + " already exists")
				}
			}
			var err error
			if tok, err = newToken(args.Token, time.Now()); err != nil {
				return err
			}
		} else {
			_, existing, err := st.ACLTokenGet(nil, args.Token.AccessorID, false)
			if err != nil {
				return err
			}
			if existing == nil {
				return catalog.ErrACLNotFound
			}
			t := *args.Token
			if t.SecretID == "" || t.SecretID == redactedSecret {
				t.SecretID = existing.SecretID
			} else if t.SecretID != existing.SecretID {
				return catalog.BadRequestf("a token's SecretID cannot change")
			}
			if t.ExpirationTTL != 0 || t.ExpirationTime != nil && (existing.ExpirationTime == nil || !t.ExpirationTime.Equal(*existing.ExpirationTime)) {
				return catalog.BadRequestf("a token's expiration cannot change")
			}
			t.ExpirationTime = existing.ExpirationTime
			t.Local = existing.Local
			tok = &t
		}
		if err := s.checkLinks(tok.Policies, tok.Roles); err != nil {
			return err
		}
		if err := checkIdentities(tok.ServiceIdentities, tok.NodeIdentities); err != nil {
			return err
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLTokenSet, Token: tok}); err != nil {
			return err
		}
		return s.readToken(tok.AccessorID, reply)
	})
}

// checkLinks refuses links to policies or roles that do not exist before
// anything reaches Raft.
func (s *Server) checkLinks(policies, roles []catalog.ACLLink) error {
	st := s.fsm.State()
	for _, l := range policies {
		_, p, err := st.ACLPolicyGet(nil, l.ID, nameIfNoID(l))
		if err != nil {
			return err
		}
		if p == nil {
			return catalog.BadRequestf(fmt.Sprintf("cannot find policy %q", l.ID+l.Name))
		}
	}
	for _, l := range roles {
		_, r, err := st.ACLRoleGet(nil, l.ID, nameIfNoID(l))
		if err != nil {
			return err
		}
		if r == nil {
			return catalog.BadRequestf(fmt.Sprintf("cannot find role %q", l.ID+l.Name))
		}
	}
	return nil
}

func nameIfNoID(l catalog.ACLLink) string {
	if l.ID != "" {
		return ""
	}
	return l.Name
}

func checkIdentities(svcs []*catalog.ACLServiceIdentity, nodes []*catalog.ACLNodeIdentity) error {
	for _, si := range svcs {
		if si == nil || si.ServiceName == "" {
			return catalog.BadRequestf("a service identity needs a ServiceName")
		}
	}
	for _, ni := range nodes {
		if ni == nil || ni.NodeName == "" || ni.Datacenter == "" {
			return catalog.BadRequestf("a node identity needs a NodeName and a Datacenter")
		}
	}
	return nil
}

func (s *Server) aclTokenRead(ctx context.Context, args *catalog.ACLReadRequest, reply *catalog.IndexedACLTokens) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	args.Datacenter = s.tokenReadDC(args.Datacenter)
	return s.read(ctx, catalog.MethodACLTokenRead, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		id, bySecret := args.ID, args.BySecret
		var authz acl.Authorizer
		if bySecret {
			// A token may always read itself.
			if id == "" {
				id = args.QueryOptions.Token
			}
			if id == "" {
				id = anonymousSecret
			}
			var err error
			if authz, err = s.authorize(id); err != nil {
				return err
			}
		} else {
			var err error
			if authz, err = s.aclAllowed(args.QueryOptions.Token, false); err != nil {
				return err
			}
		}
		idx, tok, err := st.ACLTokenGet(ws, id, bySecret)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Tokens = nil
		if tok == nil {
			return nil
		}
		t := *tok
		if !bySecret && !authz.ACLWrite() {
			t.SecretID = redactedSecret
		}
		reply.Tokens = []*catalog.ACLToken{&t}
		return nil
	})
}

func (s *Server) aclTokenDelete(ctx context.Context, args *catalog.ACLRequest, reply *struct{}) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	if err := s.tokenDC(args, false, args.ID); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodACLTokenDelete, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		if args.ID == acl.AnonymousTokenID {
			return catalog.BadRequestf("the anonymous token cannot be deleted")
		}
		_, tok, err := s.fsm.State().ACLTokenGet(nil, args.ID, false)
		if err != nil {
			return err
		}
		if tok == nil {
			return catalog.ErrACLNotFound
		}
		if tok.SecretID == args.WriteRequest.Token {
			return catalog.BadRequestf("deleting the token the request is made with is not allowed")
		}
		_, err = s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLTokenDelete, ID: args.ID})
		return err
	})
}

func (s *Server) aclTokenClone(ctx context.Context, args *catalog.ACLRequest, reply *catalog.ACLToken) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	if err := s.tokenDC(args, false, args.ID); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodACLTokenClone, args.Datacenter, false, true, args, reply, func() error {
		if _, err := s.aclAllowed(args.WriteRequest.Token, true); err != nil {
			return err
		}
		_, src, err := s.fsm.State().ACLTokenGet(nil, args.ID, false)
		if err != nil {
			return err
		}
		if src == nil {
			return catalog.ErrACLNotFound
		}
		if src.ExpirationTime != nil && !src.ExpirationTime.After(time.Now()) {
			return catalog.BadRequestf("an expired token cannot be cloned")
		}
		clone := &catalog.ACLToken{
			Description:       src.Description,
			Policies:          src.Policies,
			Roles:             src.Roles,
			ServiceIdentities: src.ServiceIdentities,
			NodeIdentities:    src.NodeIdentities,
			Local:             src.Local,
			ExpirationTime:    src.ExpirationTime,
		}
		if args.Token != nil && args.Token.Description != "" {
			clone.Description = args.Token.Description
		}
		tok, err := newToken(clone, time.Now())
		if err != nil {
			return err
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLTokenSet, Token: tok}); err != nil {
			return err
		}
		return s.readToken(tok.AccessorID, reply)
	})
}

func (s *Server) aclTokenList(ctx context.Context, args *catalog.ACLListRequest, reply *catalog.IndexedACLTokens) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	args.Datacenter = s.tokenReadDC(args.Datacenter)
	return s.read(ctx, catalog.MethodACLTokenList, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.aclAllowed(args.QueryOptions.Token, false)
		if err != nil {
			return err
		}
		idx, toks, err := st.ACLTokenList(ws, args.Policy, args.Role)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Tokens = make([]*catalog.ACLToken, 0, len(toks))
		for _, t := range toks {
			c := *t
			if !authz.ACLWrite() {
				c.SecretID = redactedSecret
			}
			reply.Tokens = append(reply.Tokens, &c)
		}
		return nil
	})
}

// aclResolve answers a client agent's question "what may this secret
// do": the token (secret removed) and every policy it reaches. Anyone
// holding the secret may ask.
func (s *Server) aclResolve(ctx context.Context, args *catalog.ACLResolveRequest, reply *catalog.ACLIdentity) error {
	if err := s.aclsOn(); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodACLResolve, args.Datacenter, true, false, args, reply, func() error {
		secret := args.SecretID
		if secret == "" {
			secret = anonymousSecret
		}
		ident, err := s.resolveIdentity(secret)
		if err != nil {
			return err
		}
		if ident.Token.Expired(time.Now()) {
			return catalog.ErrACLNotFound
		}
		t := *ident.Token
		t.SecretID = ""
		*reply = *ident
		reply.Token = &t
		for _, p := range ident.Policies {
			if p.ID == acl.GlobalManagementPolicyID {
				reply.Management = true
			}
		}
		return nil
	})
}
