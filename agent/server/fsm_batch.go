package server

import (
	"time"

	"github.com/hashicorp/raft"
)

// ApplyBatch applies a batch of committed entries in one store commit
// (fsm.FSM.ApplyBatch) and records each command entry in the FSM apply
// timings with an equal share of the batch's time: entries of one batch
// share a memdb transaction, so their separate costs are not observable.
func (f timedFSM) ApplyBatch(logs []*raft.Log) []interface{} {
	start := time.Now()
	out := f.FSM.ApplyBatch(logs)
	share := time.Since(start) / time.Duration(max(len(logs), 1))
	for _, l := range logs {
		if l.Type != raft.LogCommand || len(l.Data) == 0 {
			continue
		}
		f.metrics.FSMApplied(fsmTypeName(l), share)
	}
	return out
}
