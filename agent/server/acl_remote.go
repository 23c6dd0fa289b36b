package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
)

// A secondary datacenter's server resolves a global token it does not
// hold (token replication off, or not yet caught up) by asking the
// primary, and keeps the answer for the token TTL. When the primary
// cannot be asked, down_policy decides, as in Consul:
//
//   - extend-cache: the last answer, however old; deny without one;
//   - async-cache: the same, and a background refresh once it is stale;
//   - allow: everything; deny: nothing.
//
// A "not found" answer from the primary is final and drops the entry.

// remoteResolveTimeout bounds one question to the primary.
const remoteResolveTimeout = 10 * time.Second

type remoteEntry struct {
	ident   *catalog.ACLIdentity
	authz   acl.Authorizer
	fetched time.Time
}

// remoteACLs caches the primary's answers by a hash of the secret, and
// keeps one question per secret in flight: while the primary is slow or
// cut off, the requests of a busy token wait for one answer instead of
// each dialing it.
type remoteACLs struct {
	mu       sync.Mutex
	entries  map[[32]byte]remoteEntry
	inflight map[[32]byte]*remoteCall
	// lastWarn (unix nanoseconds) throttles the down_policy warning:
	// during an outage every request past the TTL asks again.
	lastWarn atomic.Int64
}

// downPolicyWarnEvery bounds how often a failed question is logged.
const downPolicyWarnEvery = 10 * time.Second

// remoteCall is a question to the primary in flight; done closes once
// e and err are set.
type remoteCall struct {
	done chan struct{}
	e    remoteEntry
	err  error
}

func newRemoteACLs() *remoteACLs {
	return &remoteACLs{entries: map[[32]byte]remoteEntry{}, inflight: map[[32]byte]*remoteCall{}}
}

// isSecondary: ACL objects are authored in another datacenter.
func (s *Server) isSecondary() bool {
	return s.cfg.ACLsEnabled && s.cfg.PrimaryDatacenter != "" && s.cfg.PrimaryDatacenter != s.cfg.Datacenter
}

// primaryDC is the datacenter that owns policies, roles and global
// tokens: where this server sends writes of them.
func (s *Server) primaryDC(dc string) string {
	if s.isSecondary() && s.router.IsLocal(dc) {
		return s.cfg.PrimaryDatacenter
	}
	return dc
}

// resolvesRemotely: a token missing here may still exist in the
// primary, because this datacenter does not copy tokens, or has not
// received any yet (as Consul, which trusts a miss once the tokens
// table has an index). Followers decide the same way as the leader.
func (s *Server) resolvesRemotely() bool {
	return s.isSecondary() && (!s.cfg.ACLTokenReplication || s.fsm.State().ACLTokensIndex() == 0)
}

// resolveIdentity is a token's identity from this datacenter's store,
// else (in a secondary) from the primary.
func (s *Server) resolveIdentity(secret string) (*catalog.ACLIdentity, error) {
	ident, err := s.fsm.State().ACLResolve(secret)
	if err == nil || !errors.Is(err, catalog.ErrACLNotFound) || !s.resolvesRemotely() {
		return ident, err
	}
	e, err := s.remoteResolve(secret)
	if err != nil {
		return nil, err
	}
	if e.ident == nil {
		// down_policy answered without an identity (allow or deny).
		return nil, errPrimaryUnreachable
	}
	return e.ident, nil
}

// errPrimaryUnreachable: the primary could not be asked and there is no
// cached answer to give a client agent, which then applies its own
// down_policy.
var errPrimaryUnreachable = errors.New("ACL resolution: the primary datacenter cannot be reached")

// remoteResolve answers from the cache while fresh, else asks the
// primary, applying down_policy when that fails.
func (s *Server) remoteResolve(secret string) (remoteEntry, error) {
	key := sha256.Sum256([]byte(secret))
	c := s.remoteACLs
	now := time.Now()
	c.mu.Lock()
	cached, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(cached.fetched) < s.cfg.ACLTokenTTL {
		return cached, nil
	}
	if ok && s.cfg.ACLDownPolicy == "async-cache" {
		c.mu.Lock()
		_, busy := c.inflight[key]
		c.mu.Unlock()
		if !busy {
			go func() { _, _ = s.fetchShared(secret, key, cached, true) }()
		}
		return cached, nil
	}
	return s.fetchShared(secret, key, cached, ok)
}

// fetchShared is fetchRemote, joined to the question already in flight
// for the same secret if there is one.
func (s *Server) fetchShared(secret string, key [32]byte, cached remoteEntry, haveCached bool) (remoteEntry, error) {
	c := s.remoteACLs
	c.mu.Lock()
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-call.done
		return call.e, call.err
	}
	call := &remoteCall{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()
	call.e, call.err = s.fetchRemote(secret, key, cached, haveCached)
	c.mu.Lock()
	delete(c.inflight, key)
	c.mu.Unlock()
	close(call.done)
	return call.e, call.err
}

// fetchRemote asks the primary and records the answer.
func (s *Server) fetchRemote(secret string, key [32]byte, cached remoteEntry, haveCached bool) (remoteEntry, error) {
	c := s.remoteACLs
	ctx, cancel := context.WithTimeout(context.Background(), remoteResolveTimeout)
	defer cancel()
	primary := s.cfg.PrimaryDatacenter
	ident, err := s.askPrimary(ctx, secret)
	if err == nil {
		authz, cerr := CompileIdentity(ident, s.cfg.ACLDefaultAllow, s.cfg.Datacenter, nil)
		if cerr != nil {
			return remoteEntry{}, cerr
		}
		e := remoteEntry{ident: ident, authz: authz, fetched: time.Now()}
		c.mu.Lock()
		if len(c.entries) >= maxCachedAuthorizers {
			c.entries = map[[32]byte]remoteEntry{}
		}
		c.entries[key] = e
		c.mu.Unlock()
		return e, nil
	}
	if IsFinalACLError(err) {
		c.mu.Lock()
		delete(c.entries, key)
		c.mu.Unlock()
		return remoteEntry{}, err
	}
	if now, last := time.Now().UnixNano(), c.lastWarn.Load(); now-last >= int64(downPolicyWarnEvery) && c.lastWarn.CompareAndSwap(last, now) {
		s.logger.Warn("cannot resolve tokens in the primary datacenter; applying down_policy",
			"primary", primary, "down_policy", s.cfg.ACLDownPolicy, "error", err)
	}
	if haveCached && DownPolicyKeepsCache(s.cfg.ACLDownPolicy) {
		return cached, nil
	}
	return remoteEntry{authz: DownPolicyAuthorizer(s.cfg.ACLDownPolicy)}, nil
}

// askPrimaryRPC asks the primary datacenter what a secret may do (the
// default of Server.askPrimary).
func (s *Server) askPrimaryRPC(ctx context.Context, secret string) (*catalog.ACLIdentity, error) {
	var ident catalog.ACLIdentity
	primary := s.cfg.PrimaryDatacenter
	err := s.forwardDC(ctx, catalog.MethodACLResolve, primary, false, &catalog.ACLResolveRequest{
		QueryOptions: catalog.QueryOptions{Datacenter: primary, AllowStale: true},
		SecretID:     secret,
	}, &ident)
	if err != nil {
		return nil, err
	}
	return &ident, nil
}

// IsFinalACLError tells an answer about the token itself (it does not
// exist, the request was refused or malformed) from a failure to ask:
// only the latter lets down_policy decide.
func IsFinalACLError(err error) bool {
	return errors.Is(err, catalog.ErrACLNotFound) || errors.Is(err, catalog.ErrPermissionDenied) || catalog.IsBadRequest(err)
}

// DownPolicyKeepsCache: with extend-cache and async-cache, a token whose
// resolution cannot be refreshed keeps its last answer.
func DownPolicyKeepsCache(policy string) bool {
	return policy == "extend-cache" || policy == "async-cache"
}

// DownPolicyAuthorizer is what a token gets when it cannot be resolved
// and no cached answer applies: everything with "allow", else nothing.
func DownPolicyAuthorizer(policy string) acl.Authorizer {
	if policy == "allow" {
		return acl.AllowAll()
	}
	return acl.DenyAll()
}

// localTokensEnabled: this datacenter keeps tokens of its own. A
// secondary does only when it replicates tokens, as in Consul: without
// that, every token lives in the primary.
func (s *Server) localTokensEnabled() bool {
	return !s.isSecondary() || s.cfg.ACLTokenReplication && s.replicationToken() != ""
}

// tokenReadDC is where token reads go: here, unless this is a secondary
// without tokens of its own, whose reads the primary answers.
func (s *Server) tokenReadDC(dc string) string {
	if s.localTokensEnabled() {
		return dc
	}
	return s.primaryDC(dc)
}

// tokenDC points a token write made in a secondary at the datacenter
// that owns the token: a local token (local, or the existing token named
// by accessor is local) stays here, a global one goes to the primary.
// A local token needs the primary's policies here first, as in Consul.
func (s *Server) tokenDC(args *catalog.ACLRequest, local bool, accessor string) error {
	if !s.isSecondary() || !s.router.IsLocal(args.Datacenter) {
		return nil
	}
	if accessor != "" {
		_, existing, err := s.fsm.State().ACLTokenGet(nil, accessor, false)
		if err != nil {
			return err
		}
		if existing != nil {
			local = existing.Local
		}
	}
	if !local {
		args.Datacenter = s.cfg.PrimaryDatacenter
		return nil
	}
	if !s.localTokensEnabled() {
		return catalog.BadRequestf("Local tokens are disabled in this datacenter: it does not replicate tokens (acl.enable_token_replication and acl.tokens.replication)")
	}
	if _, p, err := s.fsm.State().ACLPolicyGet(nil, acl.GlobalManagementPolicyID, ""); err != nil {
		return err
	} else if p == nil {
		return catalog.BadRequestf("Cannot upsert tokens within this datacenter: ACL policies have not been replicated from the primary datacenter yet")
	}
	return nil
}
