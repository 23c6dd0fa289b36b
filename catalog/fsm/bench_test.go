package fsm

import (
	"fmt"
	"testing"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/raft"
)

func BenchmarkApplyKVSet(b *testing.B) {
	f := newFSM(b)
	value := make([]byte, 256)
	// A fixed set of keys keeps the tree at a realistic size while the
	// loop measures decode and apply, not encoding.
	cmds := make([][]byte, 1024)
	for i := range cmds {
		data, err := Encode(KVSRequestType, &catalog.KVRequest{
			Op:    catalog.KVSet,
			Entry: catalog.KVEntry{Key: fmt.Sprintf("bench/%04d/key", i), Value: value},
		})
		if err != nil {
			b.Fatal(err)
		}
		cmds[i] = data
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp := f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: cmds[i%len(cmds)]})
		if resp != true {
			b.Fatalf("Apply = %v", resp)
		}
	}
}

// BenchmarkApplyKVSetBatched compares, in one run, applying 64 KV sets
// entry by entry (Apply, as before batching) with one ApplyBatch of the same entries.
func BenchmarkApplyKVSetBatched(b *testing.B) {
	const batch = 64
	value := make([]byte, 128)
	cmds := make([][]byte, 1024)
	for i := range cmds {
		data, err := Encode(KVSRequestType, &catalog.KVRequest{
			Op:    catalog.KVSet,
			Entry: catalog.KVEntry{Key: fmt.Sprintf("bench/%04d/key", i), Value: value},
		})
		if err != nil {
			b.Fatal(err)
		}
		cmds[i] = data
	}
	logs := func(f *FSM, n int) []*raft.Log {
		out := make([]*raft.Log, batch)
		for j := range out {
			idx := uint64(n*batch + j + 1)
			out[j] = &raft.Log{Index: idx, Type: raft.LogCommand, Data: cmds[int(idx)%len(cmds)]}
		}
		return out
	}
	b.Run("apply-one-by-one", func(b *testing.B) {
		f := newFSM(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, l := range logs(f, i) {
				if resp := f.Apply(l); resp != true {
					b.Fatalf("Apply = %v", resp)
				}
			}
		}
	})
	b.Run("apply-batch", func(b *testing.B) {
		f := newFSM(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, resp := range f.ApplyBatch(logs(f, i)) {
				if resp != true {
					b.Fatalf("ApplyBatch = %v", resp)
				}
			}
		}
	})
}
