package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/concord-dev/concord/catalog"
)

// KV reads are the API's hottest path, and encoding/json's reflection was
// most of their rendering cost. appendKVPair writes the bytes json.Marshal
// writes for a kvPairJSON (kv_json_test.go holds it to that), into a
// buffer reused across requests.

// kvFlushAt is the buffered size at which a recursive read's body is
// handed to the connection, so a large read is never held whole.
const kvFlushAt = 32 << 10

// bodyBuffers reuses the byte slices KV answers are rendered into.
type bodyBuffers struct{ pool sync.Pool }

func (b *bodyBuffers) get() *[]byte {
	if p, ok := b.pool.Get().(*[]byte); ok {
		return p
	}
	buf := make([]byte, 0, 1024)
	return &buf
}

func (b *bodyBuffers) put(p *[]byte) {
	if cap(*p) > 4*kvFlushAt {
		return // one huge read must not pin its buffer forever
	}
	*p = (*p)[:0]
	b.pool.Put(p)
}

// writeKVPairs answers entries as a JSON array with status 200, exactly
// as writeJSONArray would without ?pretty.
func (s *Server) writeKVPairs(w http.ResponseWriter, entries []*catalog.KVEntry) {
	bp := s.bodies.get()
	defer s.bodies.put(bp)
	buf := append((*bp)[:0], '[')
	started := false
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendKVPair(buf, e)
		if len(buf) >= kvFlushAt {
			if !started {
				started = true
				startJSON(w, http.StatusOK)
			}
			if _, err := w.Write(buf); err != nil {
				*bp = buf
				return // the client went away
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, ']')
	if !started {
		startJSON(w, http.StatusOK)
	}
	_, _ = w.Write(buf)
	*bp = buf
}

// startJSON sends a JSON answer's status and Content-Type.
func startJSON(w http.ResponseWriter, code int) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(code)
}

// appendKVPair appends e as json.Marshal renders kvPairJSON: Value in
// base64 or null when empty, Session only when set.
func appendKVPair(buf []byte, e *catalog.KVEntry) []byte {
	buf = append(buf, `{"LockIndex":`...)
	buf = strconv.AppendUint(buf, e.LockIndex, 10)
	buf = append(buf, `,"Key":`...)
	buf = appendJSONString(buf, e.Key)
	buf = append(buf, `,"Flags":`...)
	buf = strconv.AppendUint(buf, e.Flags, 10)
	buf = append(buf, `,"Value":`...)
	if len(e.Value) == 0 {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, e.Value)
		buf = append(buf, '"')
	}
	if e.Session != "" {
		buf = append(buf, `,"Session":`...)
		buf = appendJSONString(buf, e.Session)
	}
	buf = append(buf, `,"CreateIndex":`...)
	buf = strconv.AppendUint(buf, e.CreateIndex, 10)
	buf = append(buf, `,"ModifyIndex":`...)
	buf = strconv.AppendUint(buf, e.ModifyIndex, 10)
	return append(buf, '}')
}

// appendJSONString appends s quoted. A string of plain printable ASCII
// needs no escaping; anything else (control bytes, quotes, the HTML
// characters encoding/json escapes, non-ASCII) goes through json.Marshal,
// so the rare key that needs escaping gets encoding/json's exact bytes.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, err := json.Marshal(s)
			if err != nil { // a string always marshals
				panic(err)
			}
			return append(buf, quoted...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
