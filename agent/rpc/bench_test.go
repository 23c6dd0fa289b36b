package rpc

import (
	"context"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

// BenchmarkCallParallel measures one RPC round trip over a pooled session
// with a KV-sized argument and reply, from many goroutines at once.
func BenchmarkCallParallel(b *testing.B) {
	benchmarkCallParallel(b, nil, nil)
}

func benchmarkCallParallel(b *testing.B, listenOpts, poolOpts []Option) {
	l, err := Listen("127.0.0.1:0", nil, nil, listenOpts...)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.SetHandler(HandlerFunc(func(ctx context.Context, method string, decode func(interface{}) error) (interface{}, error) {
		var a catalog.KeyRequest
		if err := decode(&a); err != nil {
			return nil, err
		}
		return &catalog.IndexedKVEntries{Entries: []*catalog.KVEntry{{Key: a.Key, Value: make([]byte, 128), ModifyIndex: 7}}}, nil
	}))
	p := NewPool(poolOpts...)
	defer p.Close()
	addr := l.Addr().String()
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var r catalog.IndexedKVEntries
			if err := p.Call(context.Background(), addr, catalog.MethodKVGet, &catalog.KeyRequest{Key: "bench/key"}, &r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
