package server

import (
	"errors"
	"sync"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
)

// anonymousSecret is the secret of the token a request without one uses.
const anonymousSecret = "anonymous"

// maxCachedAuthorizers bounds the resolution cache; past it the cache
// starts over rather than grow with every token ever presented.
const maxCachedAuthorizers = 4096

// aclCache keeps compiled authorizers per secret and parsed policies per
// policy version, both valid only for the ACL tables' index they were
// built at: any ACL write makes the next request rebuild.
type aclCache struct {
	mu       sync.Mutex
	index    uint64
	authz    map[string]cachedAuthz
	policies map[policyKey]*acl.Policy
}

type cachedAuthz struct {
	authz   acl.Authorizer
	expires time.Time // zero: the token does not expire
}

type policyKey struct {
	id    string
	index uint64
}

func newACLCache() *aclCache {
	return &aclCache{authz: map[string]cachedAuthz{}, policies: map[policyKey]*acl.Policy{}}
}

// reset empties the cache, for a restore that replaced the ACL tables.
func (c *aclCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.index = 0
	c.authz = map[string]cachedAuthz{}
	c.policies = map[policyKey]*acl.Policy{}
}

// authorize returns what token may do on this server. With ACLs off,
// everything but ACL management is allowed. An unknown or expired token
// is catalog.ErrACLNotFound.
func (s *Server) authorize(token string) (acl.Authorizer, error) {
	if !s.cfg.ACLsEnabled {
		return acl.AllowAll(), nil
	}
	if token == "" {
		token = anonymousSecret
	}
	st := s.fsm.State()
	index := st.ACLIndex()
	now := time.Now()
	hit := false
	defer func() { s.metrics.ACLResolved(time.Since(now), hit) }()
	c := s.aclCache
	c.mu.Lock()
	if c.index != index {
		c.index = index
		c.authz = map[string]cachedAuthz{}
	}
	if e, ok := c.authz[token]; ok && (e.expires.IsZero() || now.Before(e.expires)) {
		c.mu.Unlock()
		hit = true
		return e.authz, nil
	}
	c.mu.Unlock()

	ident, err := st.ACLResolve(token)
	if err != nil {
		if errors.Is(err, catalog.ErrACLNotFound) && s.resolvesRemotely() {
			// A global token this secondary does not hold: the primary's
			// answer, cached by its own TTL rather than by this store's
			// index.
			e, rerr := s.remoteResolve(token)
			if rerr != nil {
				return nil, rerr
			}
			if e.ident != nil && e.ident.Token != nil && e.ident.Token.Expired(now) {
				return nil, catalog.ErrACLNotFound
			}
			return e.authz, nil
		}
		if token == anonymousSecret && err == catalog.ErrACLNotFound {
			// Before the leader has created the anonymous token, an
			// anonymous request gets the default policy alone.
			return acl.New(s.cfg.ACLDefaultAllow), nil
		}
		return nil, err
	}
	if ident.Token.Expired(now) {
		return nil, catalog.ErrACLNotFound
	}
	authz, err := s.compile(ident, index)
	if err != nil {
		return nil, err
	}
	entry := cachedAuthz{authz: authz}
	if ident.Token.ExpirationTime != nil {
		entry.expires = *ident.Token.ExpirationTime
	}
	c.mu.Lock()
	if c.index == index {
		if len(c.authz) >= maxCachedAuthorizers {
			c.authz = map[string]cachedAuthz{}
		}
		c.authz[token] = entry
	}
	c.mu.Unlock()
	return authz, nil
}

// compile turns a token's policies and identities into one authorizer.
func (s *Server) compile(ident *catalog.ACLIdentity, index uint64) (acl.Authorizer, error) {
	return CompileIdentity(ident, s.cfg.ACLDefaultAllow, s.cfg.Datacenter, s.aclCache.parsed)
}

// Authorize is authorize for the agent's own endpoints on a server.
func (s *Server) Authorize(token string) (acl.Authorizer, error) { return s.authorize(token) }

// parsed returns a policy's parsed rules, parsing each version once.
func (c *aclCache) parsed(p *catalog.ACLPolicy) (*acl.Policy, error) {
	key := policyKey{p.ID, p.ModifyIndex}
	c.mu.Lock()
	pol, ok := c.policies[key]
	c.mu.Unlock()
	if ok {
		return pol, nil
	}
	pol, err := acl.Parse(p.Rules)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.policies) >= maxCachedAuthorizers {
		c.policies = map[policyKey]*acl.Policy{}
	}
	c.policies[key] = pol
	c.mu.Unlock()
	return pol, nil
}

// CompileIdentity builds the authorizer of a resolved token: the
// global-management policy grants everything; otherwise the token's
// policies (those valid in dc) and its service and node identities'
// synthetic policies are merged over the default. parse may cache; nil
// parses every time. Client agents use it on what ACL.Resolve returns.
func CompileIdentity(ident *catalog.ACLIdentity, defaultAllow bool, dc string, parse func(*catalog.ACLPolicy) (*acl.Policy, error)) (acl.Authorizer, error) {
	if parse == nil {
		parse = func(p *catalog.ACLPolicy) (*acl.Policy, error) { return acl.Parse(p.Rules) }
	}
	if ident.Management {
		return acl.ManageAll(), nil
	}
	var pols []*acl.Policy
	for _, p := range ident.Policies {
		if p.ID == acl.GlobalManagementPolicyID {
			return acl.ManageAll(), nil
		}
		if len(p.Datacenters) > 0 && !contains(p.Datacenters, dc) {
			continue
		}
		pol, err := parse(p)
		if err != nil {
			return nil, err
		}
		pols = append(pols, pol)
	}
	for _, si := range ident.ServiceIdentities {
		if len(si.Datacenters) > 0 && !contains(si.Datacenters, dc) {
			continue
		}
		pol, err := acl.Parse(acl.ServiceIdentityRules(si.ServiceName, si.Datacenters))
		if err != nil {
			return nil, err
		}
		pols = append(pols, pol)
	}
	for _, ni := range ident.NodeIdentities {
		if ni.Datacenter != dc {
			continue
		}
		pol, err := acl.Parse(acl.NodeIdentityRules(ni.NodeName))
		if err != nil {
			return nil, err
		}
		pols = append(pols, pol)
	}
	return acl.New(defaultAllow, pols...), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
