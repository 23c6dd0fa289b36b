package server

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// raftStores are the three stores Raft persists to.
type raftStores struct {
	logs   raft.LogStore
	stable raft.StableStore
	snaps  raft.SnapshotStore
	close  func() error
}

func openRaftStores(cfg *Config) (*raftStores, error) {
	if cfg.InMemory {
		mem := raft.NewInmemStore()
		return &raftStores{
			logs:   mem,
			stable: mem,
			snaps:  raft.NewInmemSnapshotStore(),
			close:  func() error { return nil },
		}, nil
	}
	dir := filepath.Join(cfg.DataDir, "raft")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create raft directory: %w", err)
	}
	bolt, err := raftboltdb.New(raftboltdb.Options{
		Path: filepath.Join(dir, "raft.db"),
		// Without a timeout bbolt waits forever for a lock another
		// agent holds on the same data directory.
		BoltOptions: &bbolt.Options{Timeout: 2 * time.Second},
	})
	if err != nil {
		return nil, fmt.Errorf("open raft log %s: %w (is another agent using this data directory?)", filepath.Join(dir, "raft.db"), err)
	}
	// The cache keeps recent entries in memory so followers catching up
	// and the FSM do not read them back from disk.
	logs, err := raft.NewLogCache(512, bolt)
	if err != nil {
		bolt.Close()
		return nil, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, cfg.Logger.Named("snapshot"))
	if err != nil {
		bolt.Close()
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	return &raftStores{logs: logs, stable: bolt, snaps: snaps, close: bolt.Close}, nil
}

// leaderLease is how long a leader keeps leading without hearing from a
// quorum; a follower that has not heard from its leader for as long
// suspects it (leader_gone.go).
func leaderLease(cfg *Config) time.Duration {
	return 500 * time.Millisecond * time.Duration(cfg.RaftMultiplier)
}

// raftConfig derives Raft's timing from the multiplier. At 1 a dead
// leader is replaced in about two seconds on a LAN; operators on slow
// links raise it, as with Consul's raft_multiplier.
func raftConfig(cfg *Config, notify chan bool) *raft.Config {
	m := time.Duration(cfg.RaftMultiplier)
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.ProtocolVersion = raft.ProtocolVersionMax
	rc.HeartbeatTimeout = 1000 * time.Millisecond * m
	rc.ElectionTimeout = 1000 * time.Millisecond * m
	rc.LeaderLeaseTimeout = leaderLease(cfg)
	// Raft's heartbeats do not carry the commit index: once writes stop,
	// followers learn that the last ones committed only from the empty
	// append the leader sends every CommitTimeout to 2x CommitTimeout.
	// At raft's 50 ms a follower applied a write 50-100 ms after its
	// acknowledgement, and every read or blocking query answered by a
	// follower waited for that. 10 ms costs each idle server about 2 %
	// of a core more (docs/perf.md, "Followers learn commits sooner").
	rc.CommitTimeout = 10 * time.Millisecond
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.TrailingLogs = cfg.TrailingLogs
	rc.NotifyCh = notify
	rc.Logger = cfg.Logger.Named("raft")
	return rc
}
