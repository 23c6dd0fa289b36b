package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

func TestReadPeersJSON(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		body, err string
		want      []raft.Server
	}{
		{body: `[{"id":"a","address":"10.0.0.1:8300"},{"id":"b","address":"10.0.0.2:8300","non_voter":true}]`,
			want: []raft.Server{{Suffrage: raft.Voter, ID: "a", Address: "10.0.0.1:8300"}, {Suffrage: raft.Nonvoter, ID: "b", Address: "10.0.0.2:8300"}}},
		{body: `["10.0.0.1:8300"]`, err: "not a JSON array"},
		{body: `[{"id":"a"}]`, err: `needs both "id" and "address"`},
		{body: `[{"id":"a","address":"x:1"},{"id":"a","address":"y:1"}]`, err: "repeats"},
		{body: `[{"id":"a","address":"x:1","non_voter":true}]`, err: "no voting server"},
		{body: `[]`, err: "no voting server"},
	} {
		path := filepath.Join(dir, "peers.json")
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		conf, err := readPeersJSON(path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.body, err, tc.err)
			}
			continue
		}
		if err != nil || len(conf.Servers) != len(tc.want) {
			t.Fatalf("%s: %+v %v", tc.body, conf, err)
		}
		for i := range tc.want {
			if conf.Servers[i] != tc.want[i] {
				t.Errorf("%s: server %d = %+v, want %+v", tc.body, i, conf.Servers[i], tc.want[i])
			}
		}
	}
}
