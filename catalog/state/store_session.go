package state

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// SessionCreate stores a new session. Its ID is chosen by the leader
// before the command enters the log, so every server stores the same one.
// The node must exist, and so must every check it names, none of them
// critical.
func (s *Store) SessionCreate(idx uint64, sess *catalog.Session) error {
	if sess == nil {
		return badRequest("missing session")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := sessionCreateTxn(txn, idx, sess); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

func sessionCreateTxn(txn *memdb.Txn, idx uint64, in *catalog.Session) error {
	if in.ID == "" {
		return badRequest("missing session ID")
	}
	if existing, err := getSessionTxn(txn, in.ID); err != nil {
		return err
	} else if existing != nil {
		return badRequest("session %q already exists", in.ID)
	}
	sess := *in
	switch sess.Behavior {
	case "":
		sess.Behavior = catalog.SessionRelease
	case catalog.SessionRelease, catalog.SessionDelete:
	default:
		return badRequest("Invalid Behavior setting %q", sess.Behavior)
	}
	node, err := getNodeTxn(txn, sess.Node)
	if err != nil {
		return err
	}
	if node == nil {
		return badRequest("Missing node registration %q", sess.Node)
	}
	sess.Node = node.Node
	sess.NodeChecks = copyStrings(in.NodeChecks)
	sess.ServiceChecks = append([]catalog.ServiceCheck(nil), in.ServiceChecks...)
	ids := append([]string(nil), sess.NodeChecks...)
	for _, sc := range sess.ServiceChecks {
		ids = append(ids, sc.ID)
	}
	for _, id := range ids {
		hc, err := getCheckTxn(txn, node.Node, id)
		if err != nil {
			return err
		}
		if hc == nil {
			return badRequest("Missing check %q registration", id)
		}
		if hc.Status == catalog.HealthCritical {
			return badRequest("Check %q is in %s state", id, hc.Status)
		}
	}
	sess.CreateIndex, sess.ModifyIndex = idx, idx
	if err := txn.Insert(TableSessions, &sess); err != nil {
		return err
	}
	return indexUpdate(txn, idx, TableSessions)
}

// SessionDestroy ends a session, releasing or deleting the keys it holds
// as its Behavior says and starting their lock-delay at now, the instant
// carried by the Raft command. An unknown session is not an error.
func (s *Store) SessionDestroy(idx uint64, now time.Time, id string) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	if err := sessionDestroyTxn(txn, idx, now, id); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

func sessionDestroyTxn(txn *memdb.Txn, idx uint64, now time.Time, id string) error {
	sess, err := getSessionTxn(txn, id)
	if err != nil || sess == nil {
		return err
	}
	if err := txn.Delete(TableSessions, sess); err != nil {
		return err
	}
	if err := indexUpdate(txn, idx, TableSessions); err != nil {
		return err
	}
	// Queries tied to the session end with it, as in Consul.
	if err := deleteSessionQueriesTxn(txn, idx, sess.ID); err != nil {
		return err
	}
	iter, err := txn.Get(TableKVs, indexSession, sess.ID)
	if err != nil {
		return err
	}
	var held []*catalog.KVEntry
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		held = append(held, raw.(*catalog.KVEntry))
	}
	if len(held) == 0 {
		return nil
	}
	if err := purgeLockDelaysTxn(txn, now); err != nil {
		return err
	}
	for _, e := range held {
		if sess.Behavior == catalog.SessionDelete {
			if err := deleteWithTombstone(txn, idx, e); err != nil {
				return err
			}
		} else {
			released := *e
			released.Session = ""
			released.ModifyIndex = idx
			if err := txn.Insert(TableKVs, &released); err != nil {
				return err
			}
		}
		if sess.LockDelay > 0 {
			d := &LockDelay{Key: e.Key, UntilUnixNano: now.Add(sess.LockDelay).UnixNano()}
			if err := txn.Insert(TableLockDelays, d); err != nil {
				return err
			}
		}
	}
	keys := []string{TableKVs}
	if sess.Behavior == catalog.SessionDelete {
		keys = append(keys, TableTombstones)
	}
	return indexUpdate(txn, idx, keys...)
}

// purgeLockDelaysTxn drops the delays that ended before now, so the table
// holds only what can still refuse an acquisition.
func purgeLockDelaysTxn(txn *memdb.Txn, now time.Time) error {
	iter, err := txn.Get(TableLockDelays, indexUntil)
	if err != nil {
		return err
	}
	var done []*LockDelay
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		d := raw.(*LockDelay)
		if d.UntilUnixNano > now.UnixNano() {
			break
		}
		done = append(done, d)
	}
	for _, d := range done {
		if err := txn.Delete(TableLockDelays, d); err != nil {
			return err
		}
	}
	return nil
}

// KVLockDelay is the instant before which key may not be acquired, the
// zero time when it is under no delay. The leader compares it with its
// clock before it lets an acquisition into the log.
func (s *Store) KVLockDelay(key string) time.Time {
	txn := s.db.Txn(false)
	defer txn.Abort()
	raw, err := txn.First(TableLockDelays, indexID, key)
	if err != nil || raw == nil {
		return time.Time{}
	}
	return time.Unix(0, raw.(*LockDelay).UntilUnixNano)
}

// invalidateNodeSessionsTxn ends every session on node, or, with checkID
// set, those tied to that check.
func invalidateNodeSessionsTxn(txn *memdb.Txn, idx uint64, now time.Time, node, checkID string) error {
	sessions, err := sessionsOfNodeTxn(txn, nil, node)
	if err != nil {
		return err
	}
	for _, sess := range sessions {
		if checkID != "" && !sess.HasCheck(checkID) {
			continue
		}
		if err := sessionDestroyTxn(txn, idx, now, sess.ID); err != nil {
			return fmt.Errorf("invalidating session %s: %w", sess.ID, err)
		}
	}
	return nil
}

// SessionGet returns the session id, or nil. The index is the sessions
// table's, as in Consul.
func (s *Store) SessionGet(ws memdb.WatchSet, id string) (uint64, *catalog.Session, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	watch, raw, err := txn.FirstWatch(TableSessions, indexID, id)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	idx := atLeastOne(maxIndex(txn, TableSessions))
	if raw == nil {
		return idx, nil, nil
	}
	return idx, raw.(*catalog.Session), nil
}

// SessionList returns every session, by ID.
func (s *Store) SessionList(ws memdb.WatchSet) (uint64, []*catalog.Session, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableSessions, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out []*catalog.Session
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.Session))
	}
	return atLeastOne(maxIndex(txn, TableSessions)), out, nil
}

// NodeSessions returns the sessions on node, by ID.
func (s *Store) NodeSessions(ws memdb.WatchSet, node string) (uint64, []*catalog.Session, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	out, err := sessionsOfNodeTxn(txn, ws, node)
	if err != nil {
		return 0, nil, err
	}
	return atLeastOne(maxIndex(txn, TableSessions)), out, nil
}

// SessionsWithTTL lists the sessions that have a TTL, for the leader's
// timers.
func (s *Store) SessionsWithTTL() ([]*catalog.Session, error) {
	_, all, err := s.SessionList(nil)
	if err != nil {
		return nil, err
	}
	var out []*catalog.Session
	for _, sess := range all {
		if sess.TTL != "" {
			out = append(out, sess)
		}
	}
	return out, nil
}

func getSessionTxn(txn *memdb.Txn, id string) (*catalog.Session, error) {
	raw, err := txn.First(TableSessions, indexID, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*catalog.Session), nil
}

func sessionsOfNodeTxn(txn *memdb.Txn, ws memdb.WatchSet, node string) ([]*catalog.Session, error) {
	iter, err := txn.Get(TableSessions, indexNode, node)
	if err != nil {
		return nil, err
	}
	if ws != nil {
		ws.Add(iter.WatchCh())
	}
	var out []*catalog.Session
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.Session))
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].ID, out[j].ID) < 0 })
	return out, nil
}
