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
