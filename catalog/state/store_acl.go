package state

import (
	"fmt"
	"sort"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// aclBootstrapKey is the index-table entry holding the Raft index of the
// ACL bootstrap, 0 (absent) until it happens.
const aclBootstrapKey = "acl-bootstrap"

// ErrACLBootstrapped answers a second bootstrap; the message carries the
// index an operator writes to the acl-bootstrap-reset file to allow
// another.
type ErrACLBootstrapped struct{ ResetIndex uint64 }

func (e *ErrACLBootstrapped) Error() string {
	return fmt.Sprintf("%s: ACL bootstrap no longer allowed (reset index: %d)", catalog.ErrPermissionDenied, e.ResetIndex)
}

// Unwrap makes a refused bootstrap a permission error (403), in process
// as over the wire.
func (e *ErrACLBootstrapped) Unwrap() error { return catalog.ErrPermissionDenied }

// ACLBootstrapIndex is the index of the bootstrap, 0 before it.
func (s *Store) ACLBootstrapIndex() uint64 {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return maxIndex(txn, aclBootstrapKey)
}

// ACLBootstrap stores the first management token, once: a later call
// succeeds only with resetIndex equal to the previous bootstrap's index.
func (s *Store) ACLBootstrap(idx, resetIndex uint64, token *catalog.ACLToken) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	if prev := maxIndex(txn, aclBootstrapKey); prev != 0 && prev != resetIndex {
		return &ErrACLBootstrapped{ResetIndex: prev}
	}
	if err := aclTokenSetTxn(txn, idx, token); err != nil {
		return err
	}
	if err := txn.Insert(TableIndex, &IndexEntry{Key: aclBootstrapKey, Value: idx}); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// ACLTokenSet creates or replaces a token. Policy and role links are
// resolved by ID or name and must exist.
func (s *Store) ACLTokenSet(idx uint64, token *catalog.ACLToken) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	if err := aclTokenSetTxn(txn, idx, token); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func aclTokenSetTxn(txn *memdb.Txn, idx uint64, in *catalog.ACLToken) error {
	if in == nil || in.AccessorID == "" || in.SecretID == "" {
		return badRequest("a token needs an AccessorID and a SecretID")
	}
	t := *in
	var err error
	if t.Policies, err = resolveLinks(txn, TableACLPolicies, "policy", in.Policies); err != nil {
		return err
	}
	if t.Roles, err = resolveLinks(txn, TableACLRoles, "role", in.Roles); err != nil {
		return err
	}
	existing, err := txn.First(TableACLTokens, indexID, t.AccessorID)
	if err != nil {
		return err
	}
	if bySecret, err := txn.First(TableACLTokens, indexSecret, t.SecretID); err != nil {
		return err
	} else if bySecret != nil && bySecret.(*catalog.ACLToken).AccessorID != t.AccessorID {
		return badRequest("SecretID is already in use")
	}
	t.CreateIndex, t.ModifyIndex = idx, idx
	if existing != nil {
		old := existing.(*catalog.ACLToken)
		if old.SecretID != t.SecretID {
			return badRequest("a token's SecretID cannot change")
		}
		t.CreateIndex = old.CreateIndex
		t.CreateTime = old.CreateTime
	}
	if err := txn.Insert(TableACLTokens, &t); err != nil {
		return err
	}
	return indexUpdate(txn, idx, TableACLTokens)
}

// resolveLinks fills each link's ID from its name or its name from its
// ID, refusing links to objects that do not exist.
func resolveLinks(txn *memdb.Txn, table, kind string, links []catalog.ACLLink) ([]catalog.ACLLink, error) {
	if len(links) == 0 {
		return nil, nil
	}
	out := make([]catalog.ACLLink, 0, len(links))
	seen := map[string]bool{}
	for _, l := range links {
		var raw interface{}
		var err error
		switch {
		case l.ID != "":
			raw, err = txn.First(table, indexID, l.ID)
		case l.Name != "":
			raw, err = txn.First(table, indexName, l.Name)
		default:
			return nil, badRequest("a %s link needs an ID or a Name", kind)
		}
		if err != nil {
			return nil, err
		}
		if raw == nil {
			return nil, badRequest("cannot find %s %q", kind, l.ID+l.Name)
		}
		id, name := linkOf(raw)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, catalog.ACLLink{ID: id, Name: name})
	}
	return out, nil
}

func linkOf(raw interface{}) (id, name string) {
	switch v := raw.(type) {
	case *catalog.ACLPolicy:
		return v.ID, v.Name
	case *catalog.ACLRole:
		return v.ID, v.Name
	}
	return "", ""
}

// ACLTokenDelete removes a token; a missing one is not an error.
func (s *Store) ACLTokenDelete(idx uint64, accessorID string) error {
	return s.aclDelete(idx, TableACLTokens, accessorID)
}

func (s *Store) aclDelete(idx uint64, table, id string) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	raw, err := txn.First(table, indexID, id)
	if err != nil || raw == nil {
		return err
	}
	if err := txn.Delete(table, raw); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, table); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// ACLPolicySet creates or replaces a policy; names are unique.
func (s *Store) ACLPolicySet(idx uint64, in *catalog.ACLPolicy) error {
	if in == nil || in.ID == "" || in.Name == "" {
		return badRequest("a policy needs an ID and a Name")
	}
	txn := s.db.Txn(true)
	defer txn.Abort()
	p := *in
	if err := setNamedTxn(txn, idx, TableACLPolicies, "policy", p.ID, p.Name, &p.CreateIndex, &p.ModifyIndex, &p); err != nil {
		return err
	}
	// Links carry the name for display: renaming a policy renames them.
	if err := relinkTxn(txn, idx, p.ID, p.Name); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// ACLRoleSet creates or replaces a role; names are unique and its policy
// links must exist.
func (s *Store) ACLRoleSet(idx uint64, in *catalog.ACLRole) error {
	if in == nil || in.ID == "" || in.Name == "" {
		return badRequest("a role needs an ID and a Name")
	}
	txn := s.db.Txn(true)
	defer txn.Abort()
	r := *in
	var err error
	if r.Policies, err = resolveLinks(txn, TableACLPolicies, "policy", in.Policies); err != nil {
		return err
	}
	if err := setNamedTxn(txn, idx, TableACLRoles, "role", r.ID, r.Name, &r.CreateIndex, &r.ModifyIndex, &r); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func setNamedTxn(txn *memdb.Txn, idx uint64, table, kind, id, name string, createIdx, modifyIdx *uint64, row interface{}) error {
	if raw, err := txn.First(table, indexName, name); err != nil {
		return err
	} else if raw != nil {
		if other, _ := linkOf(raw); other != id {
			return badRequest("a %s named %q already exists", kind, name)
		}
	}
	existing, err := txn.First(table, indexID, id)
	if err != nil {
		return err
	}
	*createIdx, *modifyIdx = idx, idx
	if existing != nil {
		switch v := existing.(type) {
		case *catalog.ACLPolicy:
			*createIdx = v.CreateIndex
		case *catalog.ACLRole:
			*createIdx = v.CreateIndex
		}
	}
	if err := txn.Insert(table, row); err != nil {
		return err
	}
	return indexUpdate(txn, idx, table)
}

// relinkTxn updates the name in every token and role link to a policy.
func relinkTxn(txn *memdb.Txn, idx uint64, policyID, name string) error {
	for _, table := range []string{TableACLTokens, TableACLRoles} {
		iter, err := txn.Get(table, indexID)
		if err != nil {
			return err
		}
		var changed []interface{}
		for raw := iter.Next(); raw != nil; raw = iter.Next() {
			switch v := raw.(type) {
			case *catalog.ACLToken:
				if links, ok := renamed(v.Policies, policyID, name); ok {
					c := *v
					c.Policies = links
					changed = append(changed, &c)
				}
			case *catalog.ACLRole:
				if links, ok := renamed(v.Policies, policyID, name); ok {
					c := *v
					c.Policies = links
					changed = append(changed, &c)
				}
			}
		}
		for _, row := range changed {
			if err := txn.Insert(table, row); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if err := indexUpdate(txn, idx, table); err != nil {
				return err
			}
		}
	}
	return nil
}

func renamed(links []catalog.ACLLink, id, name string) ([]catalog.ACLLink, bool) {
	for i, l := range links {
		if l.ID == id && l.Name != name {
			out := append([]catalog.ACLLink(nil), links...)
			out[i].Name = name
			return out, true
		}
	}
	return nil, false
}

// ACLPolicyDelete removes a policy and every link to it.
func (s *Store) ACLPolicyDelete(idx uint64, id string) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	raw, err := txn.First(TableACLPolicies, indexID, id)
	if err != nil || raw == nil {
		return err
	}
	if err := txn.Delete(TableACLPolicies, raw); err != nil {
		return err
	}
	if err := unlinkTxn(txn, idx, id); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, TableACLPolicies); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// ACLRoleDelete removes a role and every token link to it.
func (s *Store) ACLRoleDelete(idx uint64, id string) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	raw, err := txn.First(TableACLRoles, indexID, id)
	if err != nil || raw == nil {
		return err
	}
	if err := txn.Delete(TableACLRoles, raw); err != nil {
		return err
	}
	if err := unlinkTxn(txn, idx, id); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, TableACLRoles); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// unlinkTxn drops links to id from tokens and roles.
func unlinkTxn(txn *memdb.Txn, idx uint64, id string) error {
	drop := func(links []catalog.ACLLink) ([]catalog.ACLLink, bool) {
		out := links[:0:0]
		for _, l := range links {
			if l.ID != id {
				out = append(out, l)
			}
		}
		return out, len(out) != len(links)
	}
	for _, table := range []string{TableACLTokens, TableACLRoles} {
		iter, err := txn.Get(table, indexID)
		if err != nil {
			return err
		}
		var changed []interface{}
		for raw := iter.Next(); raw != nil; raw = iter.Next() {
			switch v := raw.(type) {
			case *catalog.ACLToken:
				p, pc := drop(v.Policies)
				r, rc := drop(v.Roles)
				if pc || rc {
					c := *v
					c.Policies, c.Roles = p, r
					changed = append(changed, &c)
				}
			case *catalog.ACLRole:
				if p, ok := drop(v.Policies); ok {
					c := *v
					c.Policies = p
					changed = append(changed, &c)
				}
			}
		}
		for _, row := range changed {
			if err := txn.Insert(table, row); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if err := indexUpdate(txn, idx, table); err != nil {
				return err
			}
		}
	}
	return nil
}

// ACLTokenGet reads a token by accessor, or by secret with bySecret.
func (s *Store) ACLTokenGet(ws memdb.WatchSet, id string, bySecret bool) (uint64, *catalog.ACLToken, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	index := indexID
	if bySecret {
		index = indexSecret
	}
	watch, raw, err := txn.FirstWatch(TableACLTokens, index, id)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	idx := atLeastOne(maxIndex(txn, TableACLTokens))
	if raw == nil {
		return idx, nil, nil
	}
	return idx, raw.(*catalog.ACLToken), nil
}

// ACLTokenList lists tokens, those linking policyID or roleID when set.
func (s *Store) ACLTokenList(ws memdb.WatchSet, policyID, roleID string) (uint64, []*catalog.ACLToken, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableACLTokens, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out []*catalog.ACLToken
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		t := raw.(*catalog.ACLToken)
		if policyID != "" && !hasLink(t.Policies, policyID) || roleID != "" && !hasLink(t.Roles, roleID) {
			continue
		}
		out = append(out, t)
	}
	return atLeastOne(maxIndex(txn, TableACLTokens)), out, nil
}

func hasLink(links []catalog.ACLLink, id string) bool {
	for _, l := range links {
		if l.ID == id {
			return true
		}
	}
	return false
}

// ACLPolicyGet reads a policy by ID, or by name when name is set.
func (s *Store) ACLPolicyGet(ws memdb.WatchSet, id, name string) (uint64, *catalog.ACLPolicy, error) {
	raw, idx, err := s.aclGetNamed(ws, TableACLPolicies, id, name)
	if err != nil || raw == nil {
		return idx, nil, err
	}
	return idx, raw.(*catalog.ACLPolicy), nil
}

// ACLRoleGet reads a role by ID, or by name when name is set.
func (s *Store) ACLRoleGet(ws memdb.WatchSet, id, name string) (uint64, *catalog.ACLRole, error) {
	raw, idx, err := s.aclGetNamed(ws, TableACLRoles, id, name)
	if err != nil || raw == nil {
		return idx, nil, err
	}
	return idx, raw.(*catalog.ACLRole), nil
}

func (s *Store) aclGetNamed(ws memdb.WatchSet, table, id, name string) (interface{}, uint64, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	index, key := indexID, id
	if name != "" {
		index, key = indexName, name
	}
	watch, raw, err := txn.FirstWatch(table, index, key)
	if err != nil {
		return nil, 0, err
	}
	ws.Add(watch)
	return raw, atLeastOne(maxIndex(txn, table)), nil
}

// ACLPolicyList lists every policy, by name.
func (s *Store) ACLPolicyList(ws memdb.WatchSet) (uint64, []*catalog.ACLPolicy, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableACLPolicies, indexName)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out []*catalog.ACLPolicy
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.ACLPolicy))
	}
	return atLeastOne(maxIndex(txn, TableACLPolicies)), out, nil
}

// ACLRoleList lists every role, by name.
func (s *Store) ACLRoleList(ws memdb.WatchSet) (uint64, []*catalog.ACLRole, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableACLRoles, indexName)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out []*catalog.ACLRole
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.ACLRole))
	}
	return atLeastOne(maxIndex(txn, TableACLRoles)), out, nil
}

// ErrACLTokenNotFound is ACLResolve's answer for an unknown secret.
var ErrACLTokenNotFound = catalog.ErrACLNotFound

// ACLResolve gathers what deciding for a secret needs: the token, the
// policies it links directly and through its roles, and the identities
// of both, in one consistent read.
func (s *Store) ACLResolve(secret string) (*catalog.ACLIdentity, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	raw, err := txn.First(TableACLTokens, indexSecret, secret)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, ErrACLTokenNotFound
	}
	tok := raw.(*catalog.ACLToken)
	id := &catalog.ACLIdentity{Token: tok, ServiceIdentities: tok.ServiceIdentities, NodeIdentities: tok.NodeIdentities}
	seen := map[string]bool{}
	addPolicies := func(links []catalog.ACLLink) error {
		for _, l := range links {
			if seen[l.ID] {
				continue
			}
			seen[l.ID] = true
			p, err := txn.First(TableACLPolicies, indexID, l.ID)
			if err != nil {
				return err
			}
			if p != nil {
				id.Policies = append(id.Policies, p.(*catalog.ACLPolicy))
			}
		}
		return nil
	}
	if err := addPolicies(tok.Policies); err != nil {
		return nil, err
	}
	for _, l := range tok.Roles {
		r, err := txn.First(TableACLRoles, indexID, l.ID)
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		role := r.(*catalog.ACLRole)
		if err := addPolicies(role.Policies); err != nil {
			return nil, err
		}
		id.ServiceIdentities = append(id.ServiceIdentities, role.ServiceIdentities...)
		id.NodeIdentities = append(id.NodeIdentities, role.NodeIdentities...)
	}
	sort.Slice(id.Policies, func(i, j int) bool { return strings.Compare(id.Policies[i].ID, id.Policies[j].ID) < 0 })
	return id, nil
}

// ACLIndex is the highest index of the ACL tables: a resolution built at
// this index stays true until it moves.
func (s *Store) ACLIndex() uint64 {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return maxIndex(txn, TableACLTokens, TableACLPolicies, TableACLRoles)
}
