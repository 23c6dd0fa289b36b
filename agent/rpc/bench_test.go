package rpc

import (
	"bytes"
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

// BenchmarkCodecPerCall compares, in one run, a codec made for every
// call (as before codecPool) with one taken from and returned to the
// pool, over one KV-sized request and reply.
func BenchmarkCodecPerCall(b *testing.B) {
	h := newHandle()
	var buf bytes.Buffer
	req := &catalog.KeyRequest{Key: "bench/key"}
	reply := &catalog.IndexedKVEntries{Entries: []*catalog.KVEntry{{Key: "bench/key", Value: make([]byte, 128), ModifyIndex: 7}}}
	roundTrip := func(b *testing.B, c *msgpackCodec) {
		if err := c.write(&requestHeader{Method: catalog.MethodKVGet}, req, reply); err != nil {
			b.Fatal(err)
		}
		var hdr requestHeader
		var a catalog.KeyRequest
		var r catalog.IndexedKVEntries
		if err := c.read(&hdr); err != nil {
			b.Fatal(err)
		}
		if err := c.read(&a); err != nil {
			b.Fatal(err)
		}
		if err := c.read(&r); err != nil || len(r.Entries) != 1 {
			b.Fatalf("%v %+v", err, r)
		}
	}
	b.Run("new-codec-per-call", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf.Reset()
			roundTrip(b, newCodec(&buf, h))
		}
	})
	b.Run("pooled-codec", func(b *testing.B) {
		p := newCodecPool(h)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf.Reset()
			c := p.get(&buf)
			roundTrip(b, c)
			p.put(c)
		}
	})
}
