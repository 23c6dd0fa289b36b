package command

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKVPut(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/kv/*", 200, "true")
	env := f.env()
	env["CONSUL_HTTP_TOKEN"] = "tok"

	file := filepath.Join(t.TempDir(), "license.lic")
	if err := os.WriteFile(file, []byte("line1\nline2\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	expect(t, runCLI(t, env, "", "kv", "put", "-flags", "42", "redis/maxconns", "5"), 0,
		"Success! Data written to: redis/maxconns\n", "")
	expect(t, runCLI(t, env, "", "kv", "put", "config/license", "@"+file), 0,
		"Success! Data written to: config/license\n", "")
	expect(t, runCLI(t, env, "from stdin\n", "kv", "put", "config/stdin", "-"), 0,
		"Success! Data written to: config/stdin\n", "")
	expect(t, runCLI(t, env, "ignored", "kv", "put", "webapp/beta/active"), 0,
		"Success! Data written to: webapp/beta/active\n", "")
	expect(t, runCLI(t, env, "", "kv", "put", "-base64", "b64", "aGVsbG8="), 0,
		"Success! Data written to: b64\n", "")
	expect(t, runCLI(t, env, "", "kv", "put", "-datacenter", "dc2", "-token", "flagtok", "k", "v"), 0,
		"Success! Data written to: k\n", "")
	expect(t, runCLI(t, env, "", "kv", "put", "-cas", "-modify-index", "12", "k", "v2"), 0,
		"Success! Data written to: k\n", "")

	f.expectCalls(
		call{Method: "PUT", Path: "/v1/kv/redis/maxconns", Query: "flags=42", Body: "5", Token: "tok"},
		call{Method: "PUT", Path: "/v1/kv/config/license", Body: "line1\nline2\n", Token: "tok"},
		call{Method: "PUT", Path: "/v1/kv/config/stdin", Body: "from stdin\n", Token: "tok"},
		call{Method: "PUT", Path: "/v1/kv/webapp/beta/active", Token: "tok"},
		call{Method: "PUT", Path: "/v1/kv/b64", Body: "hello", Token: "tok"},
		call{Method: "PUT", Path: "/v1/kv/k", Query: "dc=dc2", Body: "v", Token: "flagtok"},
		call{Method: "PUT", Path: "/v1/kv/k", Query: "cas=12", Body: "v2", Token: "tok"},
	)
}

func TestKVPutFailures(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/kv/k", 200, "false")
	f.reply("PUT /v1/kv/down", 500, "No cluster leader")

	expect(t, runCLI(t, f.env(), "", "kv", "put", "-cas", "-modify-index=3", "k", "v"), 1, "",
		"Error! Did not write to k: CAS failed\n")
	expect(t, runCLI(t, f.env(), "", "kv", "put", "down", "v"), 1, "",
		"Error! Failed writing data: Unexpected response code: 500 (No cluster leader)\n")
	f.expectCalls(
		call{Method: "PUT", Path: "/v1/kv/k", Query: "cas=3", Body: "v"},
		call{Method: "PUT", Path: "/v1/kv/down", Body: "v"},
	)

	// Refused before any request.
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{}, "Error! Missing KEY argument\n"},
		{[]string{"a", "b", "c"}, "Error! Too many arguments (expected 1 or 2, got 3)\n"},
		{[]string{"-cas", "k", "v"}, "Must specify -modify-index with -cas!\n"},
		{[]string{"-acquire", "k", "v"}, "Error! Missing -session (required with -acquire and -release)\n"},
		{[]string{"-base64", "k", "!!"}, "Error! Cannot base 64 decode data: illegal base64 data at input byte 0\n"},
		{[]string{"k", "@/nonexistent/file"}, "Error! Failed to read file: open /nonexistent/file: no such file or directory\n"},
	} {
		args := append([]string{"kv", "put"}, tc.args...)
		expect(t, runCLI(t, f.env(), "", args...), 1, "", tc.err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("refused commands sent requests: %d in all", n)
	}
}

const kvPairsJSON = `[
 {"LockIndex":0,"Key":"app/a","Flags":0,"Value":"MQ==","CreateIndex":5,"ModifyIndex":5},
 {"LockIndex":1,"Key":"app/b","Flags":42,"Value":"dHdv","Session":"sess-1","CreateIndex":6,"ModifyIndex":9}
]`

func TestKVGet(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/kv/app/b", 200, `[{"LockIndex":0,"Key":"app/b","Flags":42,"Value":"dHdv","CreateIndex":6,"ModifyIndex":9}]`)
	f.reply("GET /v1/kv/app", 200, kvPairsJSON)
	f.reply("GET /v1/kv/missing", 404, "")

	expect(t, runCLI(t, f.env(), "", "kv", "get", "app/b"), 0, "two\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "-base64", "/app/b"), 0, "dHdv\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "-detailed", "-stale", "app/b"), 0, ""+
		"CreateIndex      6\n"+
		"Flags            42\n"+
		"Key              app/b\n"+
		"LockIndex        0\n"+
		"ModifyIndex      9\n"+
		"Session          -\n"+
		"Value            two\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "missing"), 1, "", "Error! No key exists at: missing\n")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "-recurse", "app"), 0, "app/a:1\napp/b:two\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "-recurse", "-base64", "app"), 0, "app/a:MQ==\napp/b:dHdv\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "-recurse", "-detailed", "app"), 0, ""+
		"CreateIndex      5\nFlags            0\nKey              app/a\nLockIndex        0\n"+
		"ModifyIndex      5\nSession          -\nValue            1\n"+
		"\n"+
		"CreateIndex      6\nFlags            42\nKey              app/b\nLockIndex        1\n"+
		"ModifyIndex      9\nSession          sess-1\nValue            two\n", "")

	f.expectCalls(
		call{Method: "GET", Path: "/v1/kv/app/b"},
		call{Method: "GET", Path: "/v1/kv/app/b"},
		call{Method: "GET", Path: "/v1/kv/app/b", Query: "stale="},
		call{Method: "GET", Path: "/v1/kv/missing"},
		call{Method: "GET", Path: "/v1/kv/app", Query: "recurse="},
		call{Method: "GET", Path: "/v1/kv/app", Query: "recurse="},
		call{Method: "GET", Path: "/v1/kv/app", Query: "recurse="},
	)
}

func TestKVGetKeysAndErrors(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/kv/app/", 200, `["app/a","app/sub/"]`)
	f.reply("GET /v1/kv/broken", 500, "rpc error")

	expect(t, runCLI(t, f.env(), "", "kv", "get", "-keys", "-stale", "app/"), 0, "app/a\napp/sub/\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "broken"), 1, "",
		"Error querying concord agent: Unexpected response code: 500 (rpc error)\n")
	expect(t, runCLI(t, f.env(), "", "kv", "get"), 1, "", "Error! Missing KEY argument\n")
	expect(t, runCLI(t, f.env(), "", "kv", "get", "a", "b"), 1, "", "Too many arguments (expected 1, got 2)\n")
	f.expectCalls(
		call{Method: "GET", Path: "/v1/kv/app/", Query: "keys=&separator=%2F&stale="},
		call{Method: "GET", Path: "/v1/kv/broken"},
	)
}

func TestKVDelete(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("DELETE /v1/kv/foo", 200, "true")
	f.reply("DELETE /v1/kv/app", 200, "true")
	f.reply("DELETE /v1/kv/stale", 200, "false")

	expect(t, runCLI(t, f.env(), "", "kv", "delete", "foo"), 0, "Success! Deleted key: foo\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "delete", "-recurse", "app"), 0,
		"Success! Deleted keys with prefix: app\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "delete", "-cas", "-modify-index", "9", "foo"), 0,
		"Success! Deleted key: foo\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "delete", "-cas", "-modify-index", "4", "stale"), 1, "",
		"Error! Did not delete key stale: CAS failed\n")
	f.expectCalls(
		call{Method: "DELETE", Path: "/v1/kv/foo"},
		call{Method: "DELETE", Path: "/v1/kv/app", Query: "recurse="},
		call{Method: "DELETE", Path: "/v1/kv/foo", Query: "cas=9"},
		call{Method: "DELETE", Path: "/v1/kv/stale", Query: "cas=4"},
	)

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{}, "Error! Missing KEY argument\n"},
		{[]string{"-cas", "foo"}, "Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.\n"},
		{[]string{"-modify-index", "3", "foo"}, "Cannot specify -modify-index without -cas!\n"},
		{[]string{"-recurse", "-cas", "-modify-index", "3", "foo"}, "Cannot specify both -cas and -recurse!\n"},
	} {
		args := append([]string{"kv", "delete"}, tc.args...)
		expect(t, runCLI(t, f.env(), "", args...), 1, "", tc.err)
	}
}
