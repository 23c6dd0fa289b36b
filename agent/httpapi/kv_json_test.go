package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

func kvJSONCases() []*catalog.KVEntry {
	return []*catalog.KVEntry{
		{Key: "web/config", Value: []byte("hello"), CreateIndex: 5, ModifyIndex: 9},
		{Key: "empty", Value: nil, Flags: 42, LockIndex: 3, Session: "6c1b9d7e-0000-4000-8000-000000000001"},
		{Key: "zero-length", Value: []byte{}},
		{Key: `quote"back\slash`, Value: []byte{0, 1, 2, 255}},
		{Key: "html<&>", Value: []byte("<script>")},
		{Key: "ctl\x00\x01\b\f\n\r\t\x1f\x7f", Flags: 1<<64 - 1, CreateIndex: 1<<64 - 1},
		{Key: "ünïcødé/日本/\u2028\u2029", Session: "s\u2028"},
		{Key: "bad-utf8-\xff\xfe", Value: bytes.Repeat([]byte("x"), 1000)},
	}
}

// appendKVPair must write json.Marshal's bytes for every entry.
func TestAppendKVPairMatchesEncodingJSON(t *testing.T) {
	for _, e := range kvJSONCases() {
		want, err := json.Marshal(kvPairOf(e))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendKVPair(nil, e); !bytes.Equal(got, want) {
			t.Errorf("key %q:\n got %s\nwant %s", e.Key, got, want)
		}
	}
}

func FuzzAppendKVPair(f *testing.F) {
	for _, e := range kvJSONCases() {
		f.Add(e.Key, e.Value, e.Session, e.Flags)
	}
	f.Fuzz(func(t *testing.T, key string, value []byte, session string, flags uint64) {
		e := &catalog.KVEntry{Key: key, Value: value, Session: session, Flags: flags, CreateIndex: 7, ModifyIndex: 8}
		want, err := json.Marshal(kvPairOf(e))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendKVPair(nil, e); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}

// writeKVPairs must send what writeJSONArray sends, also for a body large
// enough to be written in several pieces.
func TestWriteKVPairsMatchesWriteJSONArray(t *testing.T) {
	big := []*catalog.KVEntry{}
	for i := 0; i < 200; i++ {
		big = append(big, &catalog.KVEntry{Key: "k/" + strings.Repeat("x", i), Value: bytes.Repeat([]byte{byte(i)}, 500), ModifyIndex: uint64(i)})
	}
	s := &Server{}
	for _, entries := range [][]*catalog.KVEntry{kvJSONCases()[:1], kvJSONCases(), big} {
		want := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/kv/k?recurse", nil)
		if err := writeJSONArray(want, req, 200, len(entries), func(i int) interface{} {
			p := kvPairOf(entries[i])
			return &p
		}); err != nil {
			t.Fatal(err)
		}
		got := httptest.NewRecorder()
		s.writeKVPairs(got, entries)
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("status/type %d %q, want %d %q", got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
		}
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("%d entries: bodies differ (%d bytes against %d)", len(entries), got.Body.Len(), want.Body.Len())
		}
	}
}

func BenchmarkKVGetRender(b *testing.B) {
	e := &catalog.KVEntry{Key: "bench/get/123", Value: bytes.Repeat([]byte("v"), 128), CreateIndex: 100, ModifyIndex: 120}
	req := httptest.NewRequest("GET", "/v1/kv/bench/get/123", nil)
	s := &Server{}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w := httptest.NewRecorder()
			_ = writeJSONArray(w, req, 200, 1, func(int) interface{} { p := kvPairOf(e); return &p })
		}
	})
	b.Run("appendKVPair", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w := httptest.NewRecorder()
			s.writeKVPairs(w, []*catalog.KVEntry{e})
		}
	})
}
