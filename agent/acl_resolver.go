package agent

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/agent/server"
	"github.com/concord-dev/concord/catalog"
)

// aclResolver answers "what may this token do" on a client agent: it asks
// a server (ACL.Resolve) and keeps the answer for the token TTL. When no
// server answers, down_policy decides.
type aclResolver struct {
	agent        *Agent
	ttl          time.Duration
	downPolicy   string
	defaultAllow bool

	mu    sync.Mutex
	cache map[[32]byte]resolved // by a hash of the secret, never the secret
}

type resolved struct {
	authz   acl.Authorizer
	fetched time.Time
}

const maxResolved = 4096

// Authorize returns what token may do on this agent: everything but ACL
// management when ACLs are off; a server decides in process; a client
// agent asks and caches.
func (a *Agent) Authorize(token string) (acl.Authorizer, error) {
	if !a.cfg.ACL.Enabled {
		return acl.AllowAll(), nil
	}
	if a.server != nil {
		return a.server.Authorize(token)
	}
	return a.acls.resolve(token)
}

func (r *aclResolver) resolve(token string) (acl.Authorizer, error) {
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	r.mu.Lock()
	cached, ok := r.cache[key]
	r.mu.Unlock()
	if ok && now.Sub(cached.fetched) < r.ttl {
		return cached.authz, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ident catalog.ACLIdentity
	err := r.agent.RPC(ctx, catalog.MethodACLResolve, &catalog.ACLResolveRequest{
		QueryOptions: catalog.QueryOptions{Datacenter: r.agent.cfg.Datacenter, AllowStale: true},
		SecretID:     token,
	}, &ident)
	if err == nil {
		authz, cerr := server.CompileIdentity(&ident, r.defaultAllow, r.agent.cfg.Datacenter, nil)
		if cerr != nil {
			return nil, cerr
		}
		r.mu.Lock()
		if len(r.cache) >= maxResolved {
			r.cache = map[[32]byte]resolved{}
		}
		r.cache[key] = resolved{authz: authz, fetched: now}
		r.mu.Unlock()
		return authz, nil
	}
	if server.IsFinalACLError(err) {
		r.mu.Lock()
		delete(r.cache, key)
		r.mu.Unlock()
		return nil, err
	}
	// The servers cannot be asked: down_policy decides.
	r.agent.logger.Warn("ACL resolution failed; applying down_policy", "down_policy", r.downPolicy, "error", err)
	if ok && server.DownPolicyKeepsCache(r.downPolicy) {
		return cached.authz, nil
	}
	return server.DownPolicyAuthorizer(r.downPolicy), nil
}
