package state

import (
	"sort"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// CoordinateBatchUpdate stores the coordinates of one batch. A coordinate
// of a node the catalog does not hold is skipped, as in Consul: an agent
// may send its coordinate before its node is registered, or after it was
// removed, and a row without a node would never be cleaned up.
func (s *Store) CoordinateBatchUpdate(idx uint64, updates catalog.Coordinates) error {
	txn := s.writeTxn()
	defer s.abort(txn)
	changed := false
	for _, u := range updates {
		if u == nil || u.Coord == nil {
			continue
		}
		node, err := getNodeTxn(txn, u.Node)
		if err != nil {
			return err
		}
		if node == nil {
			continue
		}
		row := &catalog.Coordinate{Node: node.Node, Segment: u.Segment, Coord: u.Coord.Clone()}
		if err := txn.Insert(TableCoordinates, row); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	if err := indexUpdate(txn, idx, TableCoordinates); err != nil {
		return err
	}
	s.commit(txn)
	return nil
}

// deleteCoordinateTxn drops node's coordinate; the caller raises the
// table's index with its other changes.
func deleteCoordinateTxn(txn *memdb.Txn, node string) (bool, error) {
	raw, err := txn.First(TableCoordinates, indexID, node)
	if err != nil || raw == nil {
		return false, err
	}
	return true, txn.Delete(TableCoordinates, raw)
}

// Coordinates lists every node's coordinate, by node name. The rows are
// the store's and must not be modified.
func (s *Store) Coordinates(ws memdb.WatchSet) (uint64, catalog.Coordinates, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	iter, err := txn.Get(TableCoordinates, indexID)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(iter.WatchCh())
	var out catalog.Coordinates
	for raw := iter.Next(); raw != nil; raw = iter.Next() {
		out = append(out, raw.(*catalog.Coordinate))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return atLeastOne(maxIndex(txn, TableCoordinates)), out, nil
}

// NodeCoordinate returns node's coordinate, or nil when it has none.
func (s *Store) NodeCoordinate(ws memdb.WatchSet, node string) (uint64, *catalog.Coordinate, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	watch, raw, err := txn.FirstWatch(TableCoordinates, indexID, node)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(watch)
	idx := atLeastOne(maxIndex(txn, TableCoordinates))
	if raw == nil {
		return idx, nil, nil
	}
	return idx, raw.(*catalog.Coordinate), nil
}
