package state

import (
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// PreparedQuerySet creates or replaces a query. The leader has checked
// its fields and ACLs; the store checks what needs the whole table: the
// name is free (no other query has it as its name or its ID, and at most
// one template has the empty name), and the session exists.
func (s *Store) PreparedQuerySet(idx uint64, q *catalog.PreparedQuery) error {
	if q == nil || q.ID == "" {
		return badRequest("missing prepared query ID")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	existing, err := getPreparedQueryTxn(txn, q.ID)
	if err != nil {
		return err
	}
	if q.Name != "" {
		if other, err := txn.First(TablePreparedQueries, indexName, q.Name); err != nil {
			return err
		} else if other != nil && other.(*catalog.PreparedQuery).ID != q.ID {
			return badRequest("name %q aliases an existing query name", q.Name)
		}
		if other, err := getPreparedQueryTxn(txn, q.Name); err != nil {
			return err
		} else if other != nil {
			return badRequest("name %q aliases an existing query ID", q.Name)
		}
	} else if q.IsTemplate() {
		all, err := txn.Get(TablePreparedQueries, indexID)
		if err != nil {
			return err
		}
		for raw := all.Next(); raw != nil; raw = all.Next() {
			if o := raw.(*catalog.PreparedQuery); o.ID != q.ID && o.IsTemplate() && o.Name == "" {
				return badRequest("a catch-all template (empty name) already exists: %s", o.ID)
			}
		}
	}
	if q.Session != "" {
		if sess, err := getSessionTxn(txn, q.Session); err != nil {
			return err
		} else if sess == nil {
			return badRequest("invalid session %q", q.Session)
		}
	}
	row := *q
	row.Service.Tags = copyStrings(q.Service.Tags)
	row.Service.IgnoreCheckIDs = copyStrings(q.Service.IgnoreCheckIDs)
	row.Service.Failover.Datacenters = copyStrings(q.Service.Failover.Datacenters)
	row.Service.NodeMeta = copyStringMap(q.Service.NodeMeta)
	row.Service.ServiceMeta = copyStringMap(q.Service.ServiceMeta)
	row.CreateIndex, row.ModifyIndex = idx, idx
	if existing != nil {
		row.CreateIndex = existing.CreateIndex
	}
	if err := txn.Insert(TablePreparedQueries, &row); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, TablePreparedQueries); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// PreparedQueryDelete removes a query; an unknown ID is not an error.
func (s *Store) PreparedQueryDelete(idx uint64, id string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	q, err := getPreparedQueryTxn(txn, id)
	if err != nil || q == nil {
		return err
	}
	if err := txn.Delete(TablePreparedQueries, q); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, TablePreparedQueries); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// deleteSessionQueriesTxn removes the queries tied to a session that
// ended, in the transaction that ends it.
func deleteSessionQueriesTxn(txn *memdb.Txn, idx uint64, session string) error {
	iter, err := txn.Get(TablePreparedQueries, indexSession, session)
	if err != nil {
		return err
	}
	var gone []interface{}
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		gone = append(gone, raw)
	}
	for _, raw := range gone {
		if err := txn.Delete(TablePreparedQueries, raw); err != nil {
			return err
		}
	}
	if len(gone) == 0 {
		return nil
	}
	return indexUpdate(txn, idx, TablePreparedQueries)
}

// PreparedQueryGet returns the query with ID id, or nil. Rows are the
// store's and must not be modified.
func (s *Store) PreparedQueryGet(ws memdb.WatchSet, id string) (uint64, *catalog.PreparedQuery, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	watch, raw, err := txn.FirstWatch(TablePreparedQueries, indexID, id)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	idx := atLeastOne(maxIndex(txn, TablePreparedQueries))
	if raw == nil {
		return idx, nil, nil
	}
	return idx, raw.(*catalog.PreparedQuery), nil
}

// PreparedQueryList returns every query, by ID.
func (s *Store) PreparedQueryList(ws memdb.WatchSet) (uint64, []*catalog.PreparedQuery, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TablePreparedQueries, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out []*catalog.PreparedQuery
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.PreparedQuery))
	}
	return atLeastOne(maxIndex(txn, TablePreparedQueries)), out, nil
}

// PreparedQueryResolve finds the query that idOrName executes: the query
// with that ID, else the one with that name (case-insensitive), else the
// template whose name is the longest prefix of it (the empty-named
// template matches every name). nil when none matches. The caller renders
// a template with the name.
func (s *Store) PreparedQueryResolve(ws memdb.WatchSet, idOrName string) (uint64, *catalog.PreparedQuery, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TablePreparedQueries, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	idx := atLeastOne(maxIndex(txn, TablePreparedQueries))
	lower := strings.ToLower(idOrName)
	var byName, template *catalog.PreparedQuery
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		q := raw.(*catalog.PreparedQuery)
		name := strings.ToLower(q.Name)
		switch {
		case q.ID == idOrName:
			return idx, q, nil
		case q.Name != "" && name == lower:
			byName = q
		case q.IsTemplate() && strings.HasPrefix(lower, name) &&
			(template == nil || len(q.Name) > len(template.Name)):
			template = q
		}
	}
	if byName != nil {
		return idx, byName, nil
	}
	return idx, template, nil
}

func getPreparedQueryTxn(txn *memdb.Txn, id string) (*catalog.PreparedQuery, error) {
	raw, err := txn.First(TablePreparedQueries, indexID, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.PreparedQuery), nil
}
