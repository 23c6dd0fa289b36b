package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/catalog"
)

func TestKVWithConsulClient(t *testing.T) {
	_, _, client := newTestServer(t, nil)
	kv := client.KV()

	if _, err := kv.Put(&api.KVPair{Key: "app/db/host", Value: []byte("10.0.0.5"), Flags: 42}, nil); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := kv.Put(&api.KVPair{Key: "app/db/port", Value: []byte("5432")}, nil); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := kv.Put(&api.KVPair{Key: "app/name"}, nil); err != nil {
		t.Fatalf("Put empty: %v", err)
	}

	pair, meta, err := kv.Get("app/db/host", nil)
	if err != nil || pair == nil {
		t.Fatalf("Get: %v %v", pair, err)
	}
	if string(pair.Value) != "10.0.0.5" || pair.Flags != 42 || pair.Key != "app/db/host" || pair.ModifyIndex == 0 {
		t.Errorf("Get returned %+v", pair)
	}
	if meta.LastIndex == 0 || !meta.KnownLeader {
		t.Errorf("query meta %+v", meta)
	}
	if missing, meta, err := kv.Get("nope", nil); err != nil || missing != nil || meta.LastIndex == 0 {
		t.Errorf("Get missing: %v %+v %v", missing, meta, err)
	}

	pairs, _, err := kv.List("app/", nil)
	if err != nil || len(pairs) != 3 {
		t.Fatalf("List: %d pairs, %v", len(pairs), err)
	}
	if pairs[2].Key != "app/name" || pairs[2].Value != nil {
		t.Errorf("empty value listed as %+v", pairs[2])
	}

	keys, _, err := kv.Keys("app/", "/", nil)
	if err != nil || !reflect.DeepEqual(keys, []string{"app/db/", "app/name"}) {
		t.Errorf("Keys with separator: %v %v", keys, err)
	}
	keys, _, err = kv.Keys("", "", nil)
	if err != nil || len(keys) != 3 {
		t.Errorf("Keys: %v %v", keys, err)
	}

	ok, _, err := kv.CAS(&api.KVPair{Key: "app/db/host", Value: []byte("x"), ModifyIndex: 1}, nil)
	if err != nil || ok {
		t.Errorf("CAS with a stale index: %v %v", ok, err)
	}
	ok, _, err = kv.CAS(&api.KVPair{Key: "app/db/host", Value: []byte("10.0.0.6"), ModifyIndex: pair.ModifyIndex}, nil)
	if err != nil || !ok {
		t.Errorf("CAS: %v %v", ok, err)
	}
	ok, _, err = kv.CAS(&api.KVPair{Key: "app/new", Value: []byte("n")}, nil)
	if err != nil || !ok {
		t.Errorf("CAS create: %v %v", ok, err)
	}

	ok, _, err = kv.DeleteCAS(&api.KVPair{Key: "app/new", ModifyIndex: 1}, nil)
	if err != nil || ok {
		t.Errorf("DeleteCAS with a stale index: %v %v", ok, err)
	}
	if _, err := kv.Delete("app/db/port", nil); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if _, err := kv.DeleteTree("app/db/", nil); err != nil {
		t.Errorf("DeleteTree: %v", err)
	}
	keys, _, _ = kv.Keys("", "", nil)
	if !reflect.DeepEqual(keys, []string{"app/name", "app/new"}) {
		t.Errorf("keys left %v", keys)
	}
}

func TestKVRawHTTP(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)

	// A value over 512 KiB is refused before any write.
	big := bytes.Repeat([]byte("x"), catalog.MaxKVSize+1)
	resp, body := do(t, ts, "PUT", "/v1/kv/big", bytes.NewReader(big))
	expectStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if !strings.Contains(body, "Request body(524289 bytes) too large, max size: 524288 bytes") {
		t.Errorf("413 body %q", body)
	}
	resp, body = do(t, ts, "PUT", "/v1/kv/big", struct{ *bytes.Reader }{bytes.NewReader(big)})
	expectStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if n := fa.countCalls(catalog.MethodKVApply); n != 0 {
		t.Fatalf("%d writes for oversized values", n)
	}
	resp, body = do(t, ts, "PUT", "/v1/kv/max", bytes.NewReader(big[1:]))
	expectStatus(t, resp, body, http.StatusOK)

	bad := []struct{ method, path, body string }{
		{"PUT", "/v1/kv/", "Missing key name"},
		{"GET", "/v1/kv/", "Missing key name"},
		{"DELETE", "/v1/kv/", "Missing key name"},
		{"PUT", "/v1/kv/a?flags=x", `Invalid flags: "x" is not an unsigned integer`},
		{"PUT", "/v1/kv/a?cas=-1", `Invalid cas: "-1" is not an unsigned integer`},
		{"PUT", "/v1/kv/a?acquire=", "Missing session: ?acquire needs a session ID"},
		{"PUT", "/v1/kv/a?release", "Missing session: ?release needs a session ID"},
		{"PUT", "/v1/kv/a?acquire=abc&release=abc", "Conflicting flags: ?acquire and ?release cannot be used together"},
		{"DELETE", "/v1/kv/a?recurse&cas=3", "Conflicting flags: ?recurse and ?cas cannot be used together"},
		{"GET", "/v1/kv/a?index=x", "Invalid index"},
	}
	for _, c := range bad {
		resp, body := do(t, ts, c.method, c.path, strings.NewReader("v"))
		expectStatus(t, resp, body, http.StatusBadRequest)
		if body != c.body {
			t.Errorf("%s %s: body %q, want %q", c.method, c.path, body, c.body)
		}
	}

	// Not found: 404, empty body, index headers set.
	resp, body = do(t, ts, "GET", "/v1/kv/missing", nil)
	expectStatus(t, resp, body, http.StatusNotFound)
	if body != "" || resp.Header.Get("X-Consul-Index") == "" || resp.Header.Get("X-Consul-KnownLeader") != "true" {
		t.Errorf("404: body %q headers %v", body, resp.Header)
	}
	resp, body = do(t, ts, "GET", "/v1/kv/missing/?keys", nil)
	expectStatus(t, resp, body, http.StatusNotFound)
	resp, body = do(t, ts, "GET", "/v1/kv/missing/?recurse", nil)
	expectStatus(t, resp, body, http.StatusNotFound)

	// Leading slashes are stripped; PUT answers true; flags stick.
	resp, body = do(t, ts, "PUT", "/v1/kv//web/cfg?flags=7", strings.NewReader(`<script>`))
	expectStatus(t, resp, body, http.StatusOK)
	if body != "true" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("PUT answered %q (%s)", body, resp.Header.Get("Content-Type"))
	}
	if args := fa.lastCall(catalog.MethodKVApply).(*catalog.KVRequest); args.Entry.Key != "web/cfg" || args.Entry.Flags != 7 || args.Op != catalog.KVSet {
		t.Errorf("apply args %+v", args)
	}

	resp, body = do(t, ts, "GET", "/v1/kv/web/cfg?raw", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != "<script>" || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("raw: %q %v", body, resp.Header)
	}

	resp, body = do(t, ts, "GET", "/v1/kv/web/cfg", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `"Value":"PHNjcmlwdD4="`) || strings.Contains(body, "Session") ||
		!strings.Contains(body, `"LockIndex":0`) || !strings.Contains(body, `"Flags":7`) {
		t.Errorf("entry JSON %s", body)
	}

	// Keys of an empty store is [], not 404.
	resp, body = do(t, ts, "DELETE", "/v1/kv/?recurse", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if args := fa.lastCall(catalog.MethodKVApply).(*catalog.KVRequest); args.Op != catalog.KVDeleteTree || args.Entry.Key != "" {
		t.Errorf("delete all args %+v", args)
	}
	resp, body = do(t, ts, "GET", "/v1/kv/?keys", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != "[]" {
		t.Errorf("keys of an empty store %q", body)
	}
}

func TestKVKeysVerbatimButValid(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	// Keys that need no interpretation are stored exactly as given.
	for _, key := range []string{"a//b", "a/../b", "a/./b/", "%C3%A9t%C3%A9"} {
		resp, body := do(t, ts, "PUT", "/v1/kv/"+key, strings.NewReader("v"))
		expectStatus(t, resp, body, http.StatusOK)
		want, _ := url.PathUnescape(key)
		if got := fa.lastCall(catalog.MethodKVApply).(*catalog.KVRequest).Entry.Key; got != want {
			t.Errorf("PUT %s stored key %q, want %q", key, got, want)
		}
	}
	// A NUL byte or invalid UTF-8 is refused on every method, before any RPC.
	calls := fa.countCalls(catalog.MethodKVApply)
	for _, key := range []string{"a%00b", "a%FFb", "a%C3"} {
		for _, method := range []string{"PUT", "GET", "DELETE"} {
			resp, body := do(t, ts, method, "/v1/kv/"+key, strings.NewReader("v"))
			expectStatus(t, resp, body, http.StatusBadRequest)
			if !strings.Contains(body, "NUL byte") && !strings.Contains(body, "not valid UTF-8") {
				t.Errorf("%s %s: body %q does not name the problem", method, key, body)
			}
		}
	}
	// Inside a transaction too.
	resp, body := do(t, ts, "PUT", "/v1/txn", strings.NewReader(`[{"KV": {"Verb": "get", "Key": "a\u0000b"}}]`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if n := fa.countCalls(catalog.MethodKVApply); n != calls || fa.countCalls(catalog.MethodTxnApply) != 0 {
		t.Errorf("refused keys reached the servers")
	}
}
