package command

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concord-dev/concord/catalog/snapshot"
	"github.com/hashicorp/raft"
)

func testArchive(t *testing.T) []byte {
	t.Helper()
	state := []byte(strings.Repeat("state", 100))
	meta := &raft.SnapshotMeta{Version: 1, ID: "2-57-1700000000000", Index: 57, Term: 2, Size: int64(len(state))}
	var buf bytes.Buffer
	if err := snapshot.Write(&buf, meta, bytes.NewReader(state)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSnapshotSaveInspectRestore(t *testing.T) {
	archive := testArchive(t)
	f := newFakeAgent(t)
	f.on("GET /v1/snapshot", func(w http.ResponseWriter, _ call) {
		w.Header().Set("X-Consul-Index", "57")
		w.Write(archive)
	})
	f.reply("PUT /v1/snapshot", 200, "")
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.snap")

	expect(t, runCLI(t, f.env(), "", "snapshot", "save", file), 0, "Saved and verified snapshot to index 57\n", "")
	expect(t, runCLI(t, f.env(), "", "snapshot", "save", "-stale", file), 0, "Saved and verified snapshot to index 57\n", "")
	expect(t, runCLI(t, nil, "", "snapshot", "inspect", file), 0, ""+
		" ID           2-57-1700000000000\n"+
		" Size         500\n"+
		" Index        57\n"+
		" Term         2\n"+
		" Version      1\n", "")
	expect(t, runCLI(t, f.env(), "", "snapshot", "restore", file), 0, "Restored snapshot\n", "")
	calls := f.requests()
	if len(calls) != 3 || calls[1].Query != "stale=" || calls[2].Method != "PUT" || calls[2].Body != string(archive) {
		t.Fatalf("calls: %+v", calls)
	}

	// A damaged download is not kept.
	f.on("GET /v1/snapshot", func(w http.ResponseWriter, _ call) {
		w.Header().Set("X-Consul-Index", "57")
		w.Write(archive[:len(archive)/2])
	})
	bad := filepath.Join(dir, "bad.snap")
	got := runCLI(t, f.env(), "", "snapshot", "save", bad)
	if got.code != 1 || !strings.Contains(got.stderr, "Error verifying snapshot file") || !strings.Contains(got.stderr, "truncated") {
		t.Fatalf("save of a truncated download: %+v", got)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Fatalf("a damaged snapshot was kept: %v", err)
	}
	if _, err := os.Stat(bad + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("the temporary file was left behind: %v", err)
	}

	os.WriteFile(bad, archive[:len(archive)-3], 0o600)
	got = runCLI(t, nil, "", "snapshot", "inspect", bad)
	if got.code != 1 || !strings.Contains(got.stderr, "snapshot archive is invalid") {
		t.Fatalf("inspect of a damaged file: %+v", got)
	}

	f.reply("PUT /v1/snapshot", 400, "Bad request: snapshot archive is invalid: the file is truncated")
	expect(t, runCLI(t, f.env(), "", "snapshot", "restore", file), 1, "",
		"Error restoring snapshot: Unexpected response code: 400 (Bad request: snapshot archive is invalid: the file is truncated)\n")
}
