package httpapi

import (
	"fmt"
	"sort"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// fakeACL is the fake servers' ACL state: tokens, policies and roles in
// maps, CAS-free create and update, and the permission rule below. It is
// guarded by the fakeAgent's mutex.
type fakeACL struct {
	disabled     bool
	bootstrapped uint64 // index of the bootstrap, 0 before it
	nextID       int
	tokens       map[string]*catalog.ACLToken // by AccessorID
	policies     map[string]*catalog.ACLPolicy
	roles        map[string]*catalog.ACLRole
	agentTokens  map[string]string // SetAgentToken's, by kind as given
}

// The fake's permission rule: the token "denied" may do nothing but read
// itself; every other token may do everything.
const fakeDeniedToken = "denied"

const globalManagementID = "00000000-0000-0000-0000-000000000001"

var fakeNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newFakeACL() *fakeACL {
	return &fakeACL{
		tokens: map[string]*catalog.ACLToken{},
		policies: map[string]*catalog.ACLPolicy{globalManagementID: {
			ID: globalManagementID, Name: "global-management",
			Description: "Builtin Policy that grants unlimited access",
			Rules:       `acl = "write"`, CreateIndex: 1, ModifyIndex: 1,
		}},
		roles:       map[string]*catalog.ACLRole{},
		agentTokens: map[string]string{},
	}
}

func (a *fakeACL) newID() string {
	a.nextID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", a.nextID)
}

// aclRPC serves the ACL.* methods; f.mu is held.
func (f *fakeAgent) aclRPC(method string, args, reply interface{}) error {
	a := f.acl
	if a.disabled {
		return catalog.ErrACLDisabled
	}
	if token, self := aclCallToken(args); token == fakeDeniedToken && !self && method != catalog.MethodACLBootstrap {
		return catalog.ErrPermissionDenied
	}
	switch method {
	case catalog.MethodACLBootstrap:
		if a.bootstrapped != 0 {
			return fmt.Errorf("%w: %s (reset index: %d)", catalog.ErrPermissionDenied, bootstrapDeniedText, a.bootstrapped)
		}
		f.index++
		a.bootstrapped = f.index
		secret := a.newID()
		if req := args.(*catalog.ACLRequest); req.Token != nil && req.Token.SecretID != "" {
			secret = req.Token.SecretID
		}
		t := &catalog.ACLToken{AccessorID: a.newID(), SecretID: secret,
			Description: "Bootstrap Token (Global Management)",
			Policies:    []catalog.ACLLink{{ID: globalManagementID, Name: "global-management"}},
			CreateTime:  fakeNow, Hash: []byte{1, 2}, CreateIndex: f.index, ModifyIndex: f.index}
		a.tokens[t.AccessorID] = t
		*reply.(*catalog.ACLToken) = *t
	case catalog.MethodACLTokenSet:
		t, err := f.aclTokenSet(args.(*catalog.ACLRequest))
		if err != nil {
			return err
		}
		*reply.(*catalog.ACLToken) = *t
	case catalog.MethodACLTokenClone:
		req := args.(*catalog.ACLRequest)
		src, ok := a.tokens[req.ID]
		if !ok {
			return catalog.BadRequestf("Token does not exist")
		}
		c := *src
		c.AccessorID, c.SecretID = a.newID(), a.newID()
		if req.Token != nil && req.Token.Description != "" {
			c.Description = req.Token.Description
		}
		f.index++
		c.CreateIndex, c.ModifyIndex = f.index, f.index
		a.tokens[c.AccessorID] = &c
		*reply.(*catalog.ACLToken) = c
	case catalog.MethodACLTokenRead:
		req := args.(*catalog.ACLReadRequest)
		out := reply.(*catalog.IndexedACLTokens)
		out.QueryMeta = f.meta()
		for _, t := range a.tokens {
			if (req.BySecret && t.SecretID == req.ID) || (!req.BySecret && t.AccessorID == req.ID) {
				c := *t
				out.Tokens = []*catalog.ACLToken{&c}
			}
		}
	case catalog.MethodACLTokenDelete:
		f.index++
		delete(a.tokens, args.(*catalog.ACLRequest).ID)
	case catalog.MethodACLTokenList:
		req := args.(*catalog.ACLListRequest)
		out := reply.(*catalog.IndexedACLTokens)
		out.QueryMeta = f.meta()
		for _, t := range a.tokens {
			if (req.Policy != "" && !hasLink(t.Policies, req.Policy)) || (req.Role != "" && !hasLink(t.Roles, req.Role)) {
				continue
			}
			c := *t
			c.SecretID = "" // the fake's servers never list secrets
			out.Tokens = append(out.Tokens, &c)
		}
		sort.Slice(out.Tokens, func(i, j int) bool { return out.Tokens[i].AccessorID < out.Tokens[j].AccessorID })
	case catalog.MethodACLPolicySet:
		p, err := f.aclPolicySet(args.(*catalog.ACLRequest))
		if err != nil {
			return err
		}
		*reply.(*catalog.ACLPolicy) = *p
	case catalog.MethodACLPolicyRead:
		req := args.(*catalog.ACLReadRequest)
		out := reply.(*catalog.IndexedACLPolicies)
		out.QueryMeta = f.meta()
		for _, p := range a.policies {
			if (req.ID != "" && p.ID == req.ID) || (req.Name != "" && p.Name == req.Name) {
				c := *p
				out.Policies = []*catalog.ACLPolicy{&c}
			}
		}
	case catalog.MethodACLPolicyDelete:
		id := args.(*catalog.ACLRequest).ID
		if id == globalManagementID {
			return catalog.BadRequestf("Delete operation not permitted on the builtin global-management policy")
		}
		f.index++
		delete(a.policies, id)
	case catalog.MethodACLPolicyList:
		out := reply.(*catalog.IndexedACLPolicies)
		out.QueryMeta = f.meta()
		for _, p := range a.policies {
			c := *p
			out.Policies = append(out.Policies, &c)
		}
		sort.Slice(out.Policies, func(i, j int) bool { return out.Policies[i].ID < out.Policies[j].ID })
	case catalog.MethodACLRoleSet:
		r, err := f.aclRoleSet(args.(*catalog.ACLRequest))
		if err != nil {
			return err
		}
		*reply.(*catalog.ACLRole) = *r
	case catalog.MethodACLRoleRead:
		req := args.(*catalog.ACLReadRequest)
		out := reply.(*catalog.IndexedACLRoles)
		out.QueryMeta = f.meta()
		for _, r := range a.roles {
			if (req.ID != "" && r.ID == req.ID) || (req.Name != "" && r.Name == req.Name) {
				c := *r
				out.Roles = []*catalog.ACLRole{&c}
			}
		}
	case catalog.MethodACLRoleDelete:
		f.index++
		delete(a.roles, args.(*catalog.ACLRequest).ID)
	case catalog.MethodACLRoleList:
		req := args.(*catalog.ACLListRequest)
		out := reply.(*catalog.IndexedACLRoles)
		out.QueryMeta = f.meta()
		for _, r := range a.roles {
			if req.Policy == "" || hasLink(r.Policies, req.Policy) {
				c := *r
				out.Roles = append(out.Roles, &c)
			}
		}
		sort.Slice(out.Roles, func(i, j int) bool { return out.Roles[i].ID < out.Roles[j].ID })
	default:
		return fmt.Errorf("fake agent: unexpected RPC %s", method)
	}
	return nil
}

// aclCallToken is the token a call carries and whether it reads itself.
func aclCallToken(args interface{}) (string, bool) {
	switch a := args.(type) {
	case *catalog.ACLRequest:
		// ACLRequest.Token is the token object; the request's own
		// token is the embedded WriteRequest's.
		return a.WriteRequest.Token, false
	case *catalog.ACLReadRequest:
		return a.Token, a.BySecret
	case *catalog.ACLListRequest:
		return a.Token, false
	}
	return "", false
}

func hasLink(links []catalog.ACLLink, id string) bool {
	for _, l := range links {
		if l.ID == id {
			return true
		}
	}
	return false
}

// resolveLinks fills the missing half of each link from the policies (or
// roles); an unknown one is a bad request.
func (f *fakeAgent) resolveLinks(links []catalog.ACLLink, roles bool) ([]catalog.ACLLink, error) {
	var out []catalog.ACLLink
	for _, l := range links {
		found := false
		if roles {
			for _, r := range f.acl.roles {
				if r.ID == l.ID || (l.ID == "" && r.Name == l.Name) {
					out, found = append(out, catalog.ACLLink{ID: r.ID, Name: r.Name}), true
				}
			}
		} else {
			for _, p := range f.acl.policies {
				if p.ID == l.ID || (l.ID == "" && p.Name == l.Name) {
					out, found = append(out, catalog.ACLLink{ID: p.ID, Name: p.Name}), true
				}
			}
		}
		if !found {
			kind := "policy"
			if roles {
				kind = "role"
			}
			return nil, catalog.BadRequestf(fmt.Sprintf("cannot find %s %s%s", kind, l.ID, l.Name))
		}
	}
	return out, nil
}

func (f *fakeAgent) aclTokenSet(req *catalog.ACLRequest) (*catalog.ACLToken, error) {
	a := f.acl
	in := req.Token
	t := *in
	if req.Create {
		if t.AccessorID != "" && a.tokens[t.AccessorID] != nil {
			return nil, catalog.BadRequestf("Invalid Token: AccessorID is already in use")
		}
		if t.AccessorID == "" {
			t.AccessorID = a.newID()
		}
		if t.SecretID == "" {
			t.SecretID = a.newID()
		}
		t.CreateTime = fakeNow
		if t.ExpirationTTL > 0 {
			exp := fakeNow.Add(t.ExpirationTTL)
			t.ExpirationTime, t.ExpirationTTL = &exp, 0
		}
	} else {
		cur, ok := a.tokens[t.AccessorID]
		if !ok {
			return nil, catalog.BadRequestf(fmt.Sprintf("Cannot find token %q", t.AccessorID))
		}
		if t.SecretID != "" && t.SecretID != cur.SecretID {
			return nil, catalog.BadRequestf("Changing a tokens SecretID is not permitted")
		}
		t.SecretID, t.CreateTime, t.CreateIndex = cur.SecretID, cur.CreateTime, cur.CreateIndex
		t.ExpirationTime, t.ExpirationTTL, t.Local = cur.ExpirationTime, 0, cur.Local
	}
	var err error
	if t.Policies, err = f.resolveLinks(t.Policies, false); err != nil {
		return nil, err
	}
	if t.Roles, err = f.resolveLinks(t.Roles, true); err != nil {
		return nil, err
	}
	f.index++
	if req.Create {
		t.CreateIndex = f.index
	}
	t.ModifyIndex, t.Hash = f.index, []byte{0xab}
	a.tokens[t.AccessorID] = &t
	c := t
	return &c, nil
}

func (f *fakeAgent) aclPolicySet(req *catalog.ACLRequest) (*catalog.ACLPolicy, error) {
	a := f.acl
	p := *req.Policy
	if p.Name == "" {
		return nil, catalog.BadRequestf("Invalid Policy: no Name is set")
	}
	for _, other := range a.policies {
		if other.Name == p.Name && other.ID != p.ID {
			return nil, catalog.BadRequestf(fmt.Sprintf("Invalid Policy: A Policy with Name %q already exists", p.Name))
		}
	}
	f.index++
	if req.Create {
		p.ID, p.CreateIndex = a.newID(), f.index
	} else {
		cur, ok := a.policies[p.ID]
		if !ok {
			return nil, catalog.BadRequestf(fmt.Sprintf("Cannot find policy %s", p.ID))
		}
		p.CreateIndex = cur.CreateIndex
	}
	p.ModifyIndex, p.Hash = f.index, []byte{0xcd}
	a.policies[p.ID] = &p
	c := p
	return &c, nil
}

func (f *fakeAgent) aclRoleSet(req *catalog.ACLRequest) (*catalog.ACLRole, error) {
	a := f.acl
	r := *req.Role
	if r.Name == "" {
		return nil, catalog.BadRequestf("Role names must be non-empty")
	}
	var err error
	if r.Policies, err = f.resolveLinks(r.Policies, false); err != nil {
		return nil, err
	}
	f.index++
	if req.Create {
		r.ID, r.CreateIndex = a.newID(), f.index
	} else {
		cur, ok := a.roles[r.ID]
		if !ok {
			return nil, catalog.BadRequestf(fmt.Sprintf("Cannot find role %s", r.ID))
		}
		r.CreateIndex = cur.CreateIndex
	}
	r.ModifyIndex, r.Hash = f.index, []byte{0xef}
	a.roles[r.ID] = &r
	c := r
	return &c, nil
}

// SetAgentToken records the token; the kinds are the real agent's.
func (f *fakeAgent) SetAgentToken(kind, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.acl.disabled {
		return catalog.ErrACLDisabled
	}
	switch kind {
	case "default", "agent", "agent_recovery", "agent_master", "replication", "dns",
		"config_file_service_registration", "acl_token", "acl_agent_token",
		"acl_agent_master_token", "acl_replication_token":
	default:
		return catalog.BadRequestf(fmt.Sprintf("Token %q is unknown", kind))
	}
	f.acl.agentTokens[kind] = token
	return nil
}
