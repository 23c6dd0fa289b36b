package fsm

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
)

// A snapshot is a header, then one (record type, row) pair per row of every
// table, then endRecord. The end marker tells a complete snapshot from one
// cut short at a record boundary.
const snapshotVersion = 1

type snapshotHeader struct {
	Version   uint8
	LastIndex uint64
}

// recordType tags each row in a snapshot with its table. The values are
// part of the snapshot format: never renumber them.
type recordType uint8

const (
	nodeRecord          recordType = 0
	serviceRecord       recordType = 1
	checkRecord         recordType = 2
	kvRecord            recordType = 3
	tombstoneRecord     recordType = 4
	indexRecord         recordType = 5
	sessionRecord       recordType = 6
	coordinateRecord    recordType = 7
	aclTokenRecord      recordType = 8
	aclPolicyRecord     recordType = 9
	preparedQueryRecord recordType = 10
	aclRoleRecord       recordType = 11
	lockDelayRecord     recordType = 12
	// autopilotRecord may be skipped by a reader that does not know it:
	// without it a server falls back to the default configuration.
	autopilotRecord = 13 | ignoreUnknownRecordFlag

	endRecord recordType = 127

	// ignoreUnknownRecordFlag marks a record an older reader may skip, for
	// tables whose loss on a downgraded server is harmless.
	ignoreUnknownRecordFlag recordType = 128
)

func recordTable(rt recordType) (string, bool) {
	switch rt {
	case nodeRecord:
		return state.TableNodes, true
	case serviceRecord:
		return state.TableServices, true
	case checkRecord:
		return state.TableChecks, true
	case kvRecord:
		return state.TableKVs, true
	case tombstoneRecord:
		return state.TableTombstones, true
	case indexRecord:
		return state.TableIndex, true
	case sessionRecord:
		return state.TableSessions, true
	case coordinateRecord:
		return state.TableCoordinates, true
	case aclTokenRecord:
		return state.TableACLTokens, true
	case aclPolicyRecord:
		return state.TableACLPolicies, true
	case preparedQueryRecord:
		return state.TablePreparedQueries, true
	case aclRoleRecord:
		return state.TableACLRoles, true
	case lockDelayRecord:
		return state.TableLockDelays, true
	case autopilotRecord:
		return state.TableAutopilot, true
	}
	return "", false
}

func tableRecord(table string) (recordType, bool) {
	for i := 0; i <= 255; i++ {
		if name, ok := recordTable(recordType(i)); ok && name == table {
			return recordType(i), true
		}
	}
	return 0, false
}

// Snapshot captures the store at this instant. hashicorp/raft runs Persist
// concurrently with later Applies, so the snapshot holds a memdb read
// transaction and Persist reads nothing else.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{snap: f.State().Snapshot(), logger: f.logger}, nil
}

type fsmSnapshot struct {
	snap   *state.Snapshot
	logger hclog.Logger
}

// Persist writes the snapshot to sink, cancelling the sink on any error so
// raft discards the partial file.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.write(sink); err != nil {
		s.logger.Error("persisting snapshot failed", "error", err)
		if cerr := sink.Cancel(); cerr != nil {
			s.logger.Warn("cancelling snapshot sink failed", "error", cerr)
		}
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := codec.NewEncoder(bw, msgpackHandle)
	if err := enc.Encode(&snapshotHeader{Version: snapshotVersion, LastIndex: s.snap.LastIndex()}); err != nil {
		return fmt.Errorf("writing snapshot header: %w", err)
	}
	for _, table := range state.Tables() {
		rt, ok := tableRecord(table)
		if !ok {
			return fmt.Errorf("table %q has no snapshot record type", table)
		}
		iter, err := s.snap.Rows(table)
		if err != nil {
			return err
		}
		for row := iter.Next(); row != nil; row = iter.Next() {
			if err := enc.Encode(uint8(rt)); err != nil {
				return fmt.Errorf("writing %s record: %w", table, err)
			}
			if err := enc.Encode(row); err != nil {
				return fmt.Errorf("writing %s record: %w", table, err)
			}
		}
	}
	if err := enc.Encode(uint8(endRecord)); err != nil {
		return fmt.Errorf("writing snapshot end: %w", err)
	}
	return bw.Flush()
}

// Release frees the snapshot's read transaction.
func (s *fsmSnapshot) Release() { s.snap.Close() }

// Restore replaces the state with the snapshot in rc. It reads everything
// into a fresh store first, so a bad snapshot leaves the current state
// untouched; then it swaps the store in and abandons the old one, which
// wakes blocking queries so they re-run against the new state.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	st, err := readSnapshot(rc)
	if err != nil {
		return fmt.Errorf("restoring snapshot: %w", err)
	}
	f.mu.Lock()
	old := f.state
	f.state = st
	f.mu.Unlock()
	// Restore does not learn the snapshot's Raft index; the newest write
	// in it is a lower bound, which can only make a follower read wait
	// for the next entry, never answer too early.
	f.applied.set(st.LastIndex())
	old.Abandon()
	return nil
}

func readSnapshot(r io.Reader) (*state.Store, error) {
	dec := codec.NewDecoder(bufio.NewReader(r), msgpackHandle)
	var hdr snapshotHeader
	if err := dec.Decode(&hdr); err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	if hdr.Version != snapshotVersion {
		return nil, fmt.Errorf("unsupported snapshot version %d", hdr.Version)
	}
	st, err := state.New()
	if err != nil {
		return nil, err
	}
	restore := st.Restore()
	defer restore.Abort()
	for {
		var tag uint8
		if err := dec.Decode(&tag); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("snapshot is truncated")
			}
			return nil, fmt.Errorf("reading record type: %w", err)
		}
		rt := recordType(tag)
		if rt == endRecord {
			break
		}
		table, ok := recordTable(rt)
		if !ok {
			if rt&ignoreUnknownRecordFlag == 0 {
				return nil, fmt.Errorf("unknown snapshot record type %d", tag)
			}
			var skipped interface{}
			if err := dec.Decode(&skipped); err != nil {
				return nil, fmt.Errorf("skipping record type %d: %w", tag, err)
			}
			continue
		}
		row, err := state.NewRow(table)
		if err != nil {
			return nil, err
		}
		if err := dec.Decode(row); err != nil {
			return nil, fmt.Errorf("reading %s record: %w", table, err)
		}
		if err := restore.Insert(table, row); err != nil {
			return nil, err
		}
	}
	restore.Commit()
	if got := st.LastIndex(); got != hdr.LastIndex {
		return nil, fmt.Errorf("snapshot claims index %d but its rows give %d", hdr.LastIndex, got)
	}
	return st, nil
}

// Verify decodes a snapshot of this FSM's format into a scratch store
// and discards it: it tells whether Restore would accept the bytes. Raft
// panics on a snapshot the FSM refuses after it has been installed, so a
// user restore checks first.
func Verify(r io.Reader) error {
	_, err := readSnapshot(r)
	return err
}
