package fsm

import "github.com/hashicorp/raft"

var _ raft.BatchingFSM = (*FSM)(nil)

// ApplyBatch applies committed entries in order and returns one response
// per entry, each the one Apply would have returned: raft hands each to
// the future of its own entry, so a failed check-and-set or an error in
// one entry is that entry's answer alone. The store writes of the batch
// are committed to memdb together (state.Store.Batch), so watchers wake
// once per batch; every entry still writes with its own Raft index.
//
// Raft calls ApplyBatch from its FSM goroutine, never concurrently with
// Apply, Snapshot or Restore.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	out := make([]interface{}, len(logs))
	st := f.State()
	st.Batch(len(logs), func(i int) {
		out[i] = f.applyTo(st, logs[i])
	})
	// Raft sends configuration entries to a batching FSM instead of
	// calling StoreConfiguration for them.
	for _, l := range logs {
		if l.Type == raft.LogConfiguration {
			f.StoreConfiguration(l.Index, raft.DecodeConfiguration(l.Data))
		}
	}
	if len(logs) > 0 {
		f.applied.set(logs[len(logs)-1].Index)
	}
	return out
}
