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
	txn := s.writeTxn()
	defer s.abort(txn)
	if prev := maxIndex(txn, aclBootstrapKey); prev != 0 && prev != resetIndex {
		return &ErrACLBootstrapped{ResetIndex: prev}
	}
	if err := aclTokenSetTxn(txn, idx, token); err != nil {
		return err
	}
	if err := txn.Insert(TableIndex, &IndexEntry{Key: aclBootstrapKey, Value: idx}); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// ACLTokenSet creates or replaces a token. Policy and role links are
// resolved by ID or name and must exist.
func (s *Store) ACLTokenSet(idx uint64, token *catalog.ACLToken) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := aclTokenSetTxn(txn, idx, token); err != nil {
		return err
	}
	s.commit(txn)
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
	txn := s.writeTxn()
	defer s.abort(txn)
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
	s.commit(txn)
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

// ACLTokensIndex is the index of the last change to the tokens table, 0
// if it was never written: a secondary datacenter that replicates tokens
// trusts a miss only once some tokens arrived.
func (s *Store) ACLTokensIndex() uint64 {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return maxIndex(txn, TableACLTokens)
}

// ACLIndex is the highest index of the ACL tables: a resolution built at
// this index stays true until it moves.
func (s *Store) ACLIndex() uint64 {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return maxIndex(txn, TableACLTokens, TableACLPolicies, TableACLRoles)
}
