package command

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/consul/api"
)

// memKV is just enough of /v1/kv for export and import: recursive reads
// and plain writes, kept in memory.
type memKV struct {
	mu    sync.Mutex
	pairs map[string]*api.KVPair
	index uint64
}

func serveMemKV(f *fakeAgent, kv *memKV) {
	f.on("GET /v1/kv/*", func(w http.ResponseWriter, c call) {
		q, _ := url.ParseQuery(c.Query)
		if _, ok := q["recurse"]; !ok {
			f.t.Errorf("export read without ?recurse: %+v", c)
		}
		prefix := strings.TrimPrefix(c.Path, "/v1/kv/")
		kv.mu.Lock()
		var out []*api.KVPair
		for k, p := range kv.pairs {
			if strings.HasPrefix(k, prefix) {
				out = append(out, p)
			}
		}
		kv.mu.Unlock()
		if len(out) == 0 {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		json.NewEncoder(w).Encode(out)
	})
	f.on("PUT /v1/kv/*", func(w http.ResponseWriter, c call) {
		q, _ := url.ParseQuery(c.Query)
		flags, _ := strconv.ParseUint(q.Get("flags"), 10, 64)
		kv.mu.Lock()
		kv.index++
		key := strings.TrimPrefix(c.Path, "/v1/kv/")
		kv.pairs[key] = &api.KVPair{Key: key, Flags: flags, Value: []byte(c.Body),
			CreateIndex: kv.index, ModifyIndex: kv.index}
		kv.mu.Unlock()
		w.Write([]byte("true"))
	})
}

func TestKVExportFormat(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/kv/app", 200, kvPairsJSON)
	f.reply("GET /v1/kv/none", 404, "")

	want := "[\n" +
		"\t{\n\t\t\"key\": \"app/a\",\n\t\t\"flags\": 0,\n\t\t\"value\": \"MQ==\"\n\t},\n" +
		"\t{\n\t\t\"key\": \"app/b\",\n\t\t\"flags\": 42,\n\t\t\"value\": \"dHdv\"\n\t}\n" +
		"]\n"
	expect(t, runCLI(t, f.env(), "", "kv", "export", "/app"), 0, want, "")
	expect(t, runCLI(t, f.env(), "", "kv", "export", "-stale", "none"), 0, "[]\n", "")
	f.expectCalls(
		call{Method: "GET", Path: "/v1/kv/app", Query: "recurse="},
		call{Method: "GET", Path: "/v1/kv/none", Query: "recurse=&stale="},
	)
}

func TestKVImportSources(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/kv/*", 200, "true")
	data := `[{"key":"a","flags":0,"value":"MQ=="},{"key":"dir/","flags":3,"value":""}]`
	file := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}

	expect(t, runCLI(t, f.env(), "", "kv", "import", data), 0, "Imported: a\nImported: dir/\n", "")
	expect(t, runCLI(t, f.env(), "", "kv", "import", "-prefix", "copy", "@"+file), 0,
		"Imported: copy/a\nImported: copy/dir/\n", "")
	expect(t, runCLI(t, f.env(), data, "kv", "import", "-prefix=x/", "-"), 0,
		"Imported: x/a\nImported: x/dir/\n", "")
	f.expectCalls(
		call{Method: "PUT", Path: "/v1/kv/a", Body: "1"},
		call{Method: "PUT", Path: "/v1/kv/dir/", Query: "flags=3"},
		call{Method: "PUT", Path: "/v1/kv/copy/a", Body: "1"},
		call{Method: "PUT", Path: "/v1/kv/copy/dir/", Query: "flags=3"},
		call{Method: "PUT", Path: "/v1/kv/x/a", Body: "1"},
		call{Method: "PUT", Path: "/v1/kv/x/dir/", Query: "flags=3"},
	)

	expect(t, runCLI(t, f.env(), "", "kv", "import"), 1, "", "Error! Missing DATA argument\n")
	expect(t, runCLI(t, f.env(), "", "kv", "import", ""), 1, "", "Error! Empty DATA argument\n")
	expect(t, runCLI(t, f.env(), "", "kv", "import", "not json"), 1, "",
		"Cannot unmarshal data: invalid character 'o' in literal null (expecting 'u')\n")
	expect(t, runCLI(t, f.env(), "", "kv", "import", `[{"key":"k","value":"%%"}]`), 1, "",
		"Error base 64 decoding value for key k: illegal base64 data at input byte 0\n")
}

func TestKVExportImportRoundTrip(t *testing.T) {
	src, dst := newFakeAgent(t), newFakeAgent(t)
	srcKV := &memKV{pairs: map[string]*api.KVPair{}}
	dstKV := &memKV{pairs: map[string]*api.KVPair{}}
	serveMemKV(src, srcKV)
	serveMemKV(dst, dstKV)

	// Fill the source through the CLI itself, binary value included.
	puts := [][]string{
		{"kv", "put", "app/", ""},
		{"kv", "put", "-flags=7", "app/config", "max=5\nmin=1\n"},
		{"kv", "put", "-base64", "app/blob", "AAH/fg=="},
		{"kv", "put", "other", "not exported"},
	}
	for _, args := range puts {
		if r := runCLI(t, src.env(), "", args...); r.code != 0 {
			t.Fatalf("%q: %+v", args, r)
		}
	}

	exported := runCLI(t, src.env(), "", "kv", "export", "app")
	if exported.code != 0 || exported.stderr != "" {
		t.Fatalf("export: %+v", exported)
	}
	imported := runCLI(t, dst.env(), exported.stdout, "kv", "import", "-")
	expect(t, imported, 0, "Imported: app/\nImported: app/blob\nImported: app/config\n", "")

	again := runCLI(t, dst.env(), "", "kv", "export", "app")
	expect(t, again, 0, exported.stdout, "")

	for _, key := range []string{"app/", "app/blob", "app/config"} {
		s, d := srcKV.pairs[key], dstKV.pairs[key]
		if d == nil || string(s.Value) != string(d.Value) || s.Flags != d.Flags {
			t.Errorf("%s: source %+v, copy %+v", key, s, d)
		}
	}
	if string(dstKV.pairs["app/blob"].Value) != "\x00\x01\xff\x7e" {
		t.Errorf("binary value = %q", dstKV.pairs["app/blob"].Value)
	}
	if _, ok := dstKV.pairs["other"]; ok {
		t.Errorf("key outside the prefix was copied")
	}
}
