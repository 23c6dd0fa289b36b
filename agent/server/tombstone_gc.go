package server

import (
	"time"

	"github.com/concord-dev/concord/catalog/fsm"
)

// tombstoneTTL is how long a deleted key's tombstone outlives it. A
// blocking query on a prefix that has not come back within this long
// simply sees the next index.
const tombstoneTTL = 15 * time.Minute

// tombstoneGC remembers which Raft index the store had at which time, so
// the leader can reap tombstones older than the TTL by index alone:
// every server then drops exactly the same tombstones.
type tombstoneGC struct {
	ttl     time.Duration
	samples []indexSample
}

type indexSample struct {
	at    time.Time
	index uint64
}

func newTombstoneGC(ttl time.Duration) *tombstoneGC { return &tombstoneGC{ttl: ttl} }

// observe records the index at now and returns the highest index that is
// older than the TTL, or 0 when there is none yet.
func (g *tombstoneGC) observe(now time.Time, index uint64) uint64 {
	g.samples = append(g.samples, indexSample{at: now, index: index})
	var reap uint64
	keep := g.samples[:0]
	for _, s := range g.samples {
		if now.Sub(s.at) >= g.ttl {
			reap = s.index
			continue
		}
		keep = append(keep, s)
	}
	g.samples = keep
	return reap
}

// reapTombstones commits a reap only when a tombstone is due: an empty
// Raft entry every few minutes would cost every server a write and a
// snapshot delta for nothing.
func (s *Server) reapTombstones(g *tombstoneGC, now time.Time) {
	idx := g.observe(now, s.fsm.State().LastIndex())
	if idx == 0 {
		return
	}
	oldest, err := s.fsm.State().OldestTombstone()
	if err != nil {
		s.logger.Warn("reap tombstones: read the oldest", "error", err)
		return
	}
	if oldest == 0 || oldest > idx {
		return
	}
	if _, err := s.raftApply(fsm.TombstoneRequestType, &fsm.TombstoneRequest{ReapIndex: idx}); err != nil {
		s.logger.Warn("reap tombstones", "error", err)
	}
}
