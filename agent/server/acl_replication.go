package server

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
)

// ACL replication: the leader of a secondary datacenter copies the
// primary's policies, roles and (with token replication) global tokens
// into its own Raft log, so they keep working while the WAN is cut. One
// loop per kind: a blocking list on the primary with the replication
// token, a diff against the local store by ID and content, then deletes
// and upserts through this datacenter's Raft in batches. Objects keep
// their IDs (and tokens their secrets), so a token made in the primary
// works here. Local tokens are never touched: those of the primary are
// not copied, and this datacenter's own are neither compared nor
// deleted.

const (
	// replicationBatch bounds the changes in one Raft entry.
	replicationBatch = 128
	// replicationWait is how long one list parks on the primary.
	replicationWait = time.Minute
	// Failed rounds back off from replicationBackoffMin doubling to
	// replicationBackoffMax, so a cut WAN costs one call per interval.
	replicationBackoffMin = 250 * time.Millisecond
	replicationBackoffMax = 10 * time.Second
)

// replicationStatus is what GET /v1/acl/replication reports.
type replicationStatus struct {
	mu          sync.Mutex
	running     bool
	policyIndex uint64
	roleIndex   uint64
	tokenIndex  uint64
	lastSuccess time.Time
	lastError   time.Time
	lastErrMsg  string
}

func (r *replicationStatus) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = true
	r.policyIndex, r.roleIndex, r.tokenIndex = 0, 0, 0
}

func (r *replicationStatus) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = false
}

// done reports whether every kind in kinds has completed a round.
func (r *replicationStatus) done(kinds []string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range kinds {
		if k == "policies" && r.policyIndex == 0 || k == "roles" && r.roleIndex == 0 {
			return false
		}
	}
	return true
}

func (r *replicationStatus) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastError = time.Now().UTC()
	r.lastErrMsg = err.Error()
}

func (r *replicationStatus) succeeded(kind string, index uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastSuccess = time.Now().UTC()
	switch kind {
	case "policies":
		r.policyIndex = index
	case "roles":
		r.roleIndex = index
	case "tokens":
		r.tokenIndex = index
	}
}

// replItem is one object as replication compares it: its ID, a
// fingerprint of its content without this datacenter's indexes, and the
// change that writes it.
type replItem struct {
	id  string
	fp  string
	set *catalog.ACLRequest
}

// replKind is one kind of ACL object being replicated.
type replKind struct {
	name     string
	deleteOp catalog.ACLOp
	// remote lists the primary's objects once its index passes min.
	remote func(ctx context.Context, min uint64) (uint64, []replItem, error)
	// local lists this datacenter's copies (never its local tokens).
	local func() ([]replItem, error)
	// after names the kinds whose objects this kind's link to: it
	// starts once each has completed a round, so a token does not fail
	// on a policy not copied yet.
	after []string
}

// runACLReplication runs on a secondary datacenter's leader until ctx
// ends (leadership lost or shutdown).
func (s *Server) runACLReplication(ctx context.Context) {
	if !s.isSecondary() {
		return
	}
	s.replication.start()
	defer s.replication.stop()
	kinds := []replKind{s.policyKind(), s.roleKind()}
	if s.cfg.ACLTokenReplication {
		kinds = append(kinds, s.tokenKind())
	}
	s.logger.Info("starting ACL replication", "primary", s.cfg.PrimaryDatacenter, "tokens", s.cfg.ACLTokenReplication)
	var wg sync.WaitGroup
	for _, k := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.replicateKind(ctx, k)
		}()
	}
	wg.Wait()
	s.logger.Info("stopped ACL replication")
}

func (s *Server) replicateKind(ctx context.Context, k replKind) {
	for !s.replication.done(k.after) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	var index uint64
	var backoff time.Duration
	for ctx.Err() == nil {
		idx, remote, err := k.remote(ctx, index)
		if err == nil {
			err = s.applyReplicationDiff(k, remote)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if s.replicationToken() == "" && IsFinalACLError(err) {
				err = fmt.Errorf("%w (no replication token: set acl.tokens.replication)", err)
			}
			err = fmt.Errorf("replicating ACL %s from %s: %w", k.name, s.cfg.PrimaryDatacenter, err)
			s.replication.failed(err)
			s.metrics.ACLReplication(k.name, false, index)
			backoff = min(max(2*backoff, replicationBackoffMin), replicationBackoffMax)
			s.logger.Warn("ACL replication round failed; retrying", "kind", k.name, "backoff", backoff, "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		// An index that went back (the primary restored a snapshot)
		// would block forever: the next round lists at once.
		if idx < index {
			idx = 0
		}
		index = idx
		s.replication.succeeded(k.name, idx)
		s.metrics.ACLReplication(k.name, true, idx)
	}
}

// applyReplicationDiff makes the local copies match remote: deletes
// first (a rename in the primary may reuse a deleted object's name),
// then upserts, in batches.
func (s *Server) applyReplicationDiff(k replKind, remote []replItem) error {
	local, err := k.local()
	if err != nil {
		return err
	}
	have := make(map[string]string, len(local))
	for _, it := range local {
		have[it.id] = it.fp
	}
	want := make(map[string]bool, len(remote))
	var changes []*catalog.ACLRequest
	for _, it := range remote {
		want[it.id] = true
	}
	for _, it := range local {
		if !want[it.id] {
			changes = append(changes, &catalog.ACLRequest{Op: k.deleteOp, ID: it.id})
		}
	}
	for _, it := range remote {
		if fp, ok := have[it.id]; !ok || fp != it.fp {
			changes = append(changes, it.set)
		}
	}
	for len(changes) > 0 {
		n := min(len(changes), replicationBatch)
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLBatch, Batch: changes[:n]}); err != nil {
			return err
		}
		changes = changes[n:]
	}
	return nil
}

// replicationQuery is a blocking, stale list on the primary with the
// replication token.
func (s *Server) replicationQuery(min uint64) catalog.ACLListRequest {
	return catalog.ACLListRequest{QueryOptions: catalog.QueryOptions{
		Datacenter:    s.cfg.PrimaryDatacenter,
		Token:         s.replicationToken(),
		MinQueryIndex: min,
		MaxQueryTime:  replicationWait,
		AllowStale:    true,
	}}
}

// fingerprint is an object's content with its indexes and hash zeroed
// by the caller; JSON is stable for these plain structs.
func fingerprint(v interface{}) string {
	buf, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(buf)
}

func policyItem(p *catalog.ACLPolicy) replItem {
	c := *p
	c.CreateIndex, c.ModifyIndex, c.Hash = 0, 0, nil
	return replItem{id: p.ID, fp: fingerprint(&c), set: &catalog.ACLRequest{Op: catalog.ACLPolicySet, Policy: &c}}
}

func roleItem(r *catalog.ACLRole) replItem {
	c := *r
	c.CreateIndex, c.ModifyIndex, c.Hash = 0, 0, nil
	return replItem{id: r.ID, fp: fingerprint(&c), set: &catalog.ACLRequest{Op: catalog.ACLRoleSet, Role: &c}}
}

func tokenItem(t *catalog.ACLToken) replItem {
	c := *t
	c.CreateIndex, c.ModifyIndex, c.Hash = 0, 0, nil
	return replItem{id: t.AccessorID, fp: fingerprint(&c), set: &catalog.ACLRequest{Op: catalog.ACLTokenSet, Token: &c}}
}

// replKindOf builds a kind from the primary's list method, how to read
// a reply of it, and the local list.
func replKindOf[R any](s *Server, name, method string, deleteOp catalog.ACLOp, after []string,
	fromReply func(*R) (uint64, []replItem, error), local func() ([]replItem, error)) replKind {
	return replKind{
		name:     name,
		deleteOp: deleteOp,
		after:    after,
		local:    local,
		remote: func(ctx context.Context, min uint64) (uint64, []replItem, error) {
			args := s.replicationQuery(min)
			var reply R
			if err := s.forwardDC(ctx, method, s.cfg.PrimaryDatacenter, false, &args, &reply); err != nil {
				return 0, nil, err
			}
			return fromReply(&reply)
		},
	}
}

// itemsOf turns a list into replication items, skipping what keep
// refuses (nil keeps everything).
func itemsOf[T any](list []T, item func(T) replItem, keep func(T) bool) []replItem {
	out := make([]replItem, 0, len(list))
	for _, v := range list {
		if keep == nil || keep(v) {
			out = append(out, item(v))
		}
	}
	return out
}

func (s *Server) policyKind() replKind {
	return replKindOf(s, "policies", catalog.MethodACLPolicyList, catalog.ACLPolicyDelete, nil,
		func(r *catalog.IndexedACLPolicies) (uint64, []replItem, error) {
			return r.Index, itemsOf(r.Policies, policyItem, nil), nil
		},
		func() ([]replItem, error) {
			_, ps, err := s.fsm.State().ACLPolicyList(nil)
			return itemsOf(ps, policyItem, nil), err
		})
}

func (s *Server) roleKind() replKind {
	return replKindOf(s, "roles", catalog.MethodACLRoleList, catalog.ACLRoleDelete, []string{"policies"},
		func(r *catalog.IndexedACLRoles) (uint64, []replItem, error) {
			return r.Index, itemsOf(r.Roles, roleItem, nil), nil
		},
		func() ([]replItem, error) {
			_, rs, err := s.fsm.State().ACLRoleList(nil)
			return itemsOf(rs, roleItem, nil), err
		})
}

// global keeps the tokens replication owns: a local token belongs to
// the datacenter that made it.
func global(t *catalog.ACLToken) bool { return !t.Local }

func (s *Server) tokenKind() replKind {
	return replKindOf(s, "tokens", catalog.MethodACLTokenList, catalog.ACLTokenDelete, []string{"policies", "roles"},
		func(r *catalog.IndexedACLTokens) (uint64, []replItem, error) {
			for _, t := range r.Tokens {
				if global(t) && t.SecretID == redactedSecret {
					return 0, nil, fmt.Errorf("the replication token may not read secrets: token replication needs acl = \"write\"")
				}
			}
			return r.Index, itemsOf(r.Tokens, tokenItem, global), nil
		},
		func() ([]replItem, error) {
			_, ts, err := s.fsm.State().ACLTokenList(nil, "", "")
			return itemsOf(ts, tokenItem, global), err
		})
}

// aclReplicationStatus answers ACL.ReplicationStatus on the
// datacenter's leader, which runs the replication. No token is needed:
// it reveals no secret, and health checks poll it (as in Consul).
func (s *Server) aclReplicationStatus(ctx context.Context, args *catalog.DCRequest, reply *catalog.ACLReplicationStatus) error {
	return s.route(ctx, catalog.MethodACLReplicationStatus, args.Datacenter, false, false, args, reply, func() error {
		r := s.replication
		r.mu.Lock()
		defer r.mu.Unlock()
		*reply = catalog.ACLReplicationStatus{
			Enabled:              s.isSecondary(),
			Running:              r.running,
			ReplicatedIndex:      r.policyIndex,
			ReplicatedRoleIndex:  r.roleIndex,
			ReplicatedTokenIndex: r.tokenIndex,
			LastSuccess:          r.lastSuccess,
			LastError:            r.lastError,
			LastErrorMessage:     r.lastErrMsg,
		}
		if reply.Enabled {
			// The primary reports all zero values, as Consul's does.
			reply.SourceDatacenter = s.cfg.PrimaryDatacenter
			reply.ReplicationType = "policies"
			if s.cfg.ACLTokenReplication {
				reply.ReplicationType = "tokens"
			}
		}
		return nil
	})
}
