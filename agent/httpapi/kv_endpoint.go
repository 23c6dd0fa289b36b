package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// kvPairJSON is a KV entry as consul/api's KVPair decodes it: Value is
// base64 (null when empty) and Session is left out when no lock is held.
type kvPairJSON struct {
	LockIndex   uint64
	Key         string
	Flags       uint64
	Value       []byte
	Session     string `json:",omitempty"`
	CreateIndex uint64
	ModifyIndex uint64
}

func kvPair(e *catalog.KVEntry) *kvPairJSON {
	p := kvPairOf(e)
	return &p
}

func kvPairOf(e *catalog.KVEntry) kvPairJSON {
	value := e.Value
	if len(value) == 0 {
		value = nil
	}
	return kvPairJSON{
		LockIndex:   e.LockIndex,
		Key:         e.Key,
		Flags:       e.Flags,
		Value:       value,
		Session:     e.Session,
		CreateIndex: e.CreateIndex,
		ModifyIndex: e.ModifyIndex,
	}
}

// kvKey is the key a /v1/kv/ request names: the unescaped path after the
// prefix, leading slashes removed.
func kvKey(r *http.Request) string {
	return strings.TrimLeft(strings.TrimPrefix(r.URL.Path, "/v1/kv/"), "/")
}

// kv serves GET, PUT and DELETE on /v1/kv/:key.
func (s *Server) kv(w http.ResponseWriter, r *http.Request) error {
	key := kvKey(r)
	if err := catalog.CheckKVKey(key); err != nil {
		return err
	}
	switch r.Method {
	case http.MethodPut:
		return s.kvPut(w, r, key)
	case http.MethodDelete:
		return s.kvDelete(w, r, key)
	}
	if hasParam(params(r), "keys") {
		return s.kvKeys(w, r, key)
	}
	return s.kvGet(w, r, key)
}

// kvGet reads one key, or every key under a prefix with ?recurse. Nothing
// found is a 404 with an empty body that still carries X-Consul-Index, so a
// client can block on a key that does not exist yet.
func (s *Server) kvGet(w http.ResponseWriter, r *http.Request, key string) error {
	q := params(r)
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	recurse := hasParam(q, "recurse")
	method := catalog.MethodKVGet
	if recurse {
		method = catalog.MethodKVList
	} else if key == "" {
		return badRequest("Missing key name")
	}
	var out catalog.IndexedKVEntries
	if err := s.agent.RPC(r.Context(), method, &catalog.KeyRequest{QueryOptions: opts, Key: key}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)

	// The entries are rendered one at a time from the reply, never
	// converted into a second list: a recursive read may be very large.
	entries := out.Entries
	if hasNil(entries) {
		entries = withoutNil(entries)
	}
	if len(entries) == 0 {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	if hasParam(q, "raw") && !recurse {
		// The value is the caller's bytes: label it plain text and forbid
		// sniffing and scripts, so a browser never runs a stored value.
		value := entries[0].Value
		h := w.Header()
		h.Set("Content-Type", "text/plain")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		h.Set("Content-Length", strconv.Itoa(len(value)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(value)
		return nil
	}
	if !hasParam(q, "pretty") {
		s.writeKVPairs(w, entries)
		return nil
	}
	var pair kvPairJSON
	return writeJSONArray(w, r, http.StatusOK, len(entries), func(i int) interface{} {
		pair = kvPairOf(entries[i])
		return &pair
	})
}

func hasNil(entries []*catalog.KVEntry) bool {
	for _, e := range entries {
		if e == nil {
			return true
		}
	}
	return false
}

func withoutNil(entries []*catalog.KVEntry) []*catalog.KVEntry {
	out := make([]*catalog.KVEntry, 0, len(entries))
	for _, e := range entries {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// kvKeys lists key names under a prefix, folded at ?separator.
func (s *Server) kvKeys(w http.ResponseWriter, r *http.Request, prefix string) error {
	q := params(r)
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	sep := q.Get("separator")
	if !hasParam(q, "separator") {
		sep = q.Get("seperator") // Consul still reads its historic spelling
	}
	var out catalog.IndexedKeyList
	args := &catalog.KeyListRequest{QueryOptions: opts, Prefix: prefix, Separator: sep}
	if err := s.agent.RPC(r.Context(), catalog.MethodKVListKeys, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	// An empty root is an empty list; an empty prefix is not found.
	if len(out.Keys) == 0 && prefix != "" {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	keys := out.Keys
	if keys == nil {
		keys = []string{}
	}
	return writeJSON(w, r, http.StatusOK, keys)
}

// conflicting rejects a request giving more than one of flags.
func conflicting(q url.Values, flags ...string) error {
	var given []string
	for _, f := range flags {
		if hasParam(q, f) {
			given = append(given, "?"+f)
		}
	}
	if len(given) > 1 {
		return badRequest("Conflicting flags: %s cannot be used together", strings.Join(given, " and "))
	}
	return nil
}

// kvPut writes the body as the key's value: a plain set, a check-and-set
// with ?cas, or with ?acquire=SESSION / ?release=SESSION a lock or unlock
// that also writes the value. The answer is true, or for the conditional
// forms whether it happened.
func (s *Server) kvPut(w http.ResponseWriter, r *http.Request, key string) error {
	q := params(r)
	if key == "" {
		return badRequest("Missing key name")
	}
	// Consul takes ?cas together with ?acquire or ?release, and clients
	// (Patroni among them) send both; only acquire with release conflicts.
	if err := conflicting(q, "acquire", "release"); err != nil {
		return err
	}
	flags, _, err := uintParam(q, "flags")
	if err != nil {
		return err
	}
	cas, isCAS, err := uintParam(q, "cas")
	if err != nil {
		return err
	}
	value, err := s.readKVValue(w, r)
	if err != nil {
		return err
	}
	args := &catalog.KVRequest{
		WriteRequest: s.writeRequest(r),
		Op:           catalog.KVSet,
		Entry:        catalog.KVEntry{Key: key, Flags: flags, Value: value},
	}
	conditional := true
	switch {
	case isCAS && !hasParam(q, "acquire") && !hasParam(q, "release"):
		args.Op = catalog.KVCAS
		args.Entry.ModifyIndex = cas
	case hasParam(q, "acquire"):
		args.Op = catalog.KVLock
		if args.Entry.Session, err = sessionParam(r, "acquire"); err != nil {
			return err
		}
	case hasParam(q, "release"):
		args.Op = catalog.KVUnlock
		if args.Entry.Session, err = sessionParam(r, "release"); err != nil {
			return err
		}
	default:
		conditional = false
	}
	if isCAS && args.Op != catalog.KVCAS {
		// A lock or unlock that must also find the key at ?cas: both in
		// one transaction, so neither happens without the other. Where
		// Consul lets the lock win and drops the index, concord keeps it:
		// a client that sends an index expects it to be checked.
		return s.kvLockCAS(w, r, args, cas)
	}
	var ok bool
	if err := s.agent.RPC(r.Context(), catalog.MethodKVApply, args, &ok); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, ok || !conditional)
}

// kvLockCAS applies a lock or unlock only if the key's ModifyIndex is cas
// (0: the key must not exist), answering true or false like a CAS.
func (s *Server) kvLockCAS(w http.ResponseWriter, r *http.Request, args *catalog.KVRequest, cas uint64) error {
	check := &catalog.TxnKVOp{Verb: catalog.KVCheckIndex, Entry: catalog.KVEntry{Key: args.Entry.Key, ModifyIndex: cas}}
	if cas == 0 {
		check = &catalog.TxnKVOp{Verb: catalog.KVCheckNotExists, Entry: catalog.KVEntry{Key: args.Entry.Key}}
	}
	txn := &catalog.TxnRequest{
		WriteRequest: args.WriteRequest,
		Ops:          catalog.TxnOps{{KV: check}, {KV: &catalog.TxnKVOp{Verb: args.Op, Entry: args.Entry}}},
	}
	var out catalog.TxnResponse
	if err := s.agent.RPC(r.Context(), catalog.MethodTxnApply, txn, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, len(out.Errors) == 0)
}

// readKVValue reads a KV PUT body of at most MaxKVSize bytes. A larger
// body is a 413 and nothing is written.
func (s *Server) readKVValue(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := int64(s.cfg.MaxKVSize)
	const see = "See https://developer.hashicorp.com/consul/docs/agent/config/config-files#kv_max_value_size."
	if r.ContentLength > limit {
		return nil, tooLarge("Request body(%d bytes) too large, max size: %d bytes. %s", r.ContentLength, limit, see)
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var value []byte
	var err error
	if r.ContentLength >= 0 {
		// The length is known and within the limit: one allocation.
		value, err = readAllSized(body, int(r.ContentLength))
	} else {
		value, err = io.ReadAll(body)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge("Request body(more than %d bytes) too large, max size: %d bytes. %s", limit, limit, see)
		}
		return nil, badRequest("Failed to read the request body: %v", err)
	}
	if len(value) == 0 {
		return nil, nil
	}
	return value, nil
}

// readAllSized reads r to its end into a buffer sized for the size bytes
// it is expected to hold, growing it only if r holds more.
func readAllSized(r io.Reader, size int) ([]byte, error) {
	// One spare byte lets the read that reports the end find room
	// without growing the buffer.
	buf := make([]byte, 0, size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// kvDelete removes a key, a tree with ?recurse (the whole store when the
// key is empty), or a key at a given index with ?cas.
func (s *Server) kvDelete(w http.ResponseWriter, r *http.Request, key string) error {
	q := params(r)
	if err := conflicting(q, "recurse", "cas"); err != nil {
		return err
	}
	cas, isCAS, err := uintParam(q, "cas")
	if err != nil {
		return err
	}
	args := &catalog.KVRequest{
		WriteRequest: s.writeRequest(r),
		Op:           catalog.KVDelete,
		Entry:        catalog.KVEntry{Key: key},
	}
	switch {
	case hasParam(q, "recurse"):
		args.Op = catalog.KVDeleteTree
	case key == "":
		return badRequest("Missing key name")
	case isCAS:
		args.Op = catalog.KVDeleteCAS
		args.Entry.ModifyIndex = cas
	}
	var ok bool
	if err := s.agent.RPC(r.Context(), catalog.MethodKVApply, args, &ok); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, ok || !isCAS)
}
