package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every store write must open its transaction with writeTxn: inside a
// Batch the FSM holds memdb's single write transaction, and a write that
// opened its own would wait for it forever (raft's FSM goroutine stalls
// and the server hangs). Only the batch itself and a snapshot restore,
// which never runs inside a batch, may open one directly.
func TestWritesOpenTheirTransactionThroughWriteTxn(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"batch.go": true, "snapshot.go": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || allowed[f] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "db.Txn(true)") || strings.Contains(line, "txn.Commit()") {
				t.Errorf("%s:%d: %s: open and end store writes with s.writeTxn / s.commit / s.abort", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
