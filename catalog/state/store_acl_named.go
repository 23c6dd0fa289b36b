package state

import (
	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// ACLPolicySet creates or replaces a policy; names are unique.
func (s *Store) ACLPolicySet(idx uint64, in *catalog.ACLPolicy) error {
	if in == nil || in.ID == "" || in.Name == "" {
		return badRequest("a policy needs an ID and a Name")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	p := *in
	if err := setNamedTxn(txn, idx, TableACLPolicies, "policy", p.ID, p.Name, &p.CreateIndex, &p.ModifyIndex, &p); err != nil {
		return err
	}
	// Links carry the name for display: renaming a policy renames them.
	if err := relinkTxn(txn, idx, p.ID, p.Name); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// ACLRoleSet creates or replaces a role; names are unique and its policy
// links must exist.
func (s *Store) ACLRoleSet(idx uint64, in *catalog.ACLRole) error {
	if in == nil || in.ID == "" || in.Name == "" {
		return badRequest("a role needs an ID and a Name")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	r := *in
	var err error
	if r.Policies, err = resolveLinks(txn, TableACLPolicies, "policy", in.Policies); err != nil {
		return err
	}
	if err := setNamedTxn(txn, idx, TableACLRoles, "role", r.ID, r.Name, &r.CreateIndex, &r.ModifyIndex, &r); err != nil {
		return err
	}
	s.commit(txn)
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
	txn := s.writeTxn()
	defer s.abort(txn)
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
	s.commit(txn)
	return nil
}

// ACLRoleDelete removes a role and every token link to it.
func (s *Store) ACLRoleDelete(idx uint64, id string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
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
	s.commit(txn)
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
