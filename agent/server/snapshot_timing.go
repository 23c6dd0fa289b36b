package server

import (
	"io"
	"time"

	"github.com/hashicorp/raft"
)

// Raft snapshot steps as Metrics.RaftSnapshotStep names them; the names
// are hashicorp/raft's (and so Consul's) timings.
const (
	stepSnapshotCreate  = "raft.snapshot.create"
	stepSnapshotPersist = "raft.snapshot.persist"
	stepFSMSnapshot     = "raft.fsm.snapshot"
	stepFSMRestore      = "raft.fsm.restore"
)

// Snapshot times the FSM's capture and hands out a snapshot whose
// Persist is timed too.
func (f timedFSM) Snapshot() (raft.FSMSnapshot, error) {
	start := time.Now()
	snap, err := f.FSM.Snapshot()
	f.metrics.RaftSnapshotStep(stepFSMSnapshot, time.Since(start))
	if err != nil {
		return nil, err
	}
	return timedFSMSnapshot{FSMSnapshot: snap, metrics: f.metrics}, nil
}

// Restore times the FSM's restore (at start-up from the last snapshot,
// on InstallSnapshot from the leader, and on /v1/snapshot PUT).
func (f timedFSM) Restore(rc io.ReadCloser) error {
	start := time.Now()
	err := f.FSM.Restore(rc)
	f.metrics.RaftSnapshotStep(stepFSMRestore, time.Since(start))
	return err
}

type timedFSMSnapshot struct {
	raft.FSMSnapshot
	metrics Metrics
}

func (s timedFSMSnapshot) Persist(sink raft.SnapshotSink) error {
	start := time.Now()
	err := s.FSMSnapshot.Persist(sink)
	s.metrics.RaftSnapshotStep(stepSnapshotPersist, time.Since(start))
	return err
}

// timedSnapshotStore times the opening of every new snapshot.
type timedSnapshotStore struct {
	raft.SnapshotStore
	metrics Metrics
}

func (s timedSnapshotStore) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	start := time.Now()
	sink, err := s.SnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
	s.metrics.RaftSnapshotStep(stepSnapshotCreate, time.Since(start))
	return sink, err
}
