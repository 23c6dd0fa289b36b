package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

// listAgent answers every KV list with the same entries, shared rather
// than copied, so a measurement sees only what the handler allocates.
type listAgent struct {
	*fakeAgent
	entries []*catalog.KVEntry
}

func (a *listAgent) RPC(ctx context.Context, method string, args, reply interface{}) error {
	if method != catalog.MethodKVList {
		return a.fakeAgent.RPC(ctx, method, args, reply)
	}
	out := reply.(*catalog.IndexedKVEntries)
	out.QueryMeta = catalog.QueryMeta{Index: 7, KnownLeader: true}
	out.Entries = a.entries
	return nil
}

func bigEntries(n, size int) []*catalog.KVEntry {
	entries := make([]*catalog.KVEntry, n)
	for i := range entries {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		entries[i] = &catalog.KVEntry{Key: fmt.Sprintf("big/%04d", i), Value: v, Flags: uint64(i), CreateIndex: 3, ModifyIndex: uint64(4 + i)}
	}
	return entries
}

// discardWriter is a ResponseWriter that keeps only the status and the
// number of body bytes.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}
func (d *discardWriter) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	d.n += len(p)
	return len(p), nil
}

func TestKVListLargeValuesBody(t *testing.T) {
	entries := bigEntries(40, catalog.MaxKVSize)
	s, err := New(Config{Datacenter: "dc1"}, &listAgent{fakeAgent: newFakeAgent(), entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	for _, query := range []string{"?recurse", "?recurse&pretty"} {
		resp, body := do(t, ts, "GET", "/v1/kv/big/"+query, nil)
		expectStatus(t, resp, body, http.StatusOK)
		var got []*kvPairJSON
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: body does not decode: %v", query, err)
		}
		if len(got) != len(entries) {
			t.Fatalf("%s: %d entries, want %d", query, len(got), len(entries))
		}
		for i, e := range entries {
			if got[i].Key != e.Key || !bytes.Equal(got[i].Value, e.Value) || got[i].Flags != e.Flags || got[i].ModifyIndex != e.ModifyIndex {
				t.Fatalf("%s: entry %d differs", query, i)
			}
		}
		// The bytes are what json.Marshal (or MarshalIndent) would give.
		want, _ := json.Marshal(kvPairs(entries))
		if query != "?recurse" {
			want, _ = json.MarshalIndent(kvPairs(entries), "", "    ")
			want = append(want, '\n')
		}
		if body != string(want) {
			t.Errorf("%s: body differs from the marshalled entries", query)
		}
	}
}

func kvPairs(entries []*catalog.KVEntry) []*kvPairJSON {
	out := make([]*kvPairJSON, len(entries))
	for i, e := range entries {
		out[i] = kvPair(e)
	}
	return out
}

// TestKVListStreams checks that a recursive read does not build its body
// in memory: what the handler allocates is a small part of the body.
func TestKVListStreams(t *testing.T) {
	entries := bigEntries(64, catalog.MaxKVSize) // a 43 MiB body
	s, err := New(Config{Datacenter: "dc1"}, &listAgent{fakeAgent: newFakeAgent(), entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	serve := func() (*discardWriter, uint64) {
		w := &discardWriter{h: http.Header{}}
		r := httptest.NewRequest("GET", "/v1/kv/big/?recurse", nil)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s.ServeHTTP(w, r)
		runtime.ReadMemStats(&after)
		return w, after.TotalAlloc - before.TotalAlloc
	}
	serve() // warm the encoder pools
	w, alloc := serve()
	if w.code != http.StatusOK {
		t.Fatalf("status %d", w.code)
	}
	t.Logf("body %d bytes, allocated %d bytes", w.n, alloc)
	if alloc > uint64(w.n)/8 {
		t.Errorf("serving a %d-byte body allocated %d bytes; the body is being built in memory", w.n, alloc)
	}
}

// BenchmarkKVListLarge serves GET /v1/kv/big/?recurse over 64 values of
// 512 KiB; B/op is what the handler allocates per response.
func BenchmarkKVListLarge(b *testing.B) {
	entries := bigEntries(64, catalog.MaxKVSize)
	s, err := New(Config{Datacenter: "dc1"}, &listAgent{fakeAgent: newFakeAgent(), entries: entries})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n int
	for i := 0; i < b.N; i++ {
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, httptest.NewRequest("GET", "/v1/kv/big/?recurse", nil))
		n = w.n
	}
	b.SetBytes(int64(n))
}
