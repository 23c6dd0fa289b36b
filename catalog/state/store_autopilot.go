package state

import (
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// TableAutopilot holds at most one row: the autopilot configuration an
// operator set. Absent, the leader uses catalog.DefaultAutopilotConfig.
const TableAutopilot = "autopilot_config"

// autopilotRowID is the key of the table's only row.
const autopilotRowID = "autopilot"

// AutopilotRow is the stored configuration with the key memdb indexes.
type AutopilotRow struct {
	ID     string
	Config catalog.AutopilotConfig
}

// AutopilotConfig returns the stored configuration, or nil when none was
// ever set, with the index of its last change (0 when none).
func (s *Store) AutopilotConfig() (uint64, *catalog.AutopilotConfig, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	raw, err := txn.First(TableAutopilot, indexID, autopilotRowID)
	if err != nil {
		return 0, nil, fmt.Errorf("reading autopilot configuration: %w", err)
	}
	if raw == nil {
		return 0, nil, nil
	}
	c := raw.(*AutopilotRow).Config
	return c.ModifyIndex, &c, nil
}

// AutopilotSetConfig stores c at idx. With cas it writes only when the
// stored ModifyIndex equals c.ModifyIndex (0 meaning nothing stored), and
// reports whether it wrote.
func (s *Store) AutopilotSetConfig(idx uint64, c *catalog.AutopilotConfig, cas bool) (bool, error) {
	if c == nil {
		return false, badRequest("missing autopilot configuration")
	}
	txn := s.writeTxn()
	defer s.abort(txn)
	raw, err := txn.First(TableAutopilot, indexID, autopilotRowID)
	if err != nil {
		return false, fmt.Errorf("reading autopilot configuration: %w", err)
	}
	row := &AutopilotRow{ID: autopilotRowID, Config: *c}
	row.Config.CreateIndex, row.Config.ModifyIndex = idx, idx
	if raw != nil {
		cur := raw.(*AutopilotRow).Config
		if cas && cur.ModifyIndex != c.ModifyIndex {
			return false, nil
		}
		row.Config.CreateIndex = cur.CreateIndex
	} else if cas && c.ModifyIndex != 0 {
		return false, nil
	}
	if err := txn.Insert(TableAutopilot, row); err != nil {
		return false, fmt.Errorf("writing autopilot configuration: %w", err)
	}
	if err := indexUpdate(txn, idx, TableAutopilot); err != nil {
		return false, err
	}
	s.commit(txn)
	return true, nil
}

func autopilotSchema() *memdb.TableSchema {
	return idTable(TableAutopilot, "ID", false)
}
