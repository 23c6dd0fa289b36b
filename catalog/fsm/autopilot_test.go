package fsm

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// TestAutopilotConfigThroughRaftAndSnapshots: the command (sent with
// IgnoreUnknownTypeFlag, as the server does) answers the CAS outcome, and
// the configuration survives a snapshot and restore.
func TestAutopilotConfigThroughRaftAndSnapshots(t *testing.T) {
	f := newFSM(t)
	mt := AutopilotRequestType | IgnoreUnknownTypeFlag
	set := &catalog.AutopilotSetRequest{Config: catalog.AutopilotConfig{MinQuorum: 3, ServerStabilizationTime: 30 * time.Second}}
	if got := apply(t, f, 5, mt, set); got != true {
		t.Fatalf("set: %v", got)
	}
	stale := &catalog.AutopilotSetRequest{Config: catalog.AutopilotConfig{MinQuorum: 9, ModifyIndex: 4}, CAS: true}
	if got := apply(t, f, 6, mt, stale); got != false {
		t.Fatalf("CAS with a stale index: %v", got)
	}

	dst := newFSM(t)
	if err := dst.Restore(io.NopCloser(bytes.NewReader(persist(t, f).Bytes()))); err != nil {
		t.Fatal(err)
	}
	idx, c, err := dst.State().AutopilotConfig()
	if err != nil || c == nil || idx != 5 || c.MinQuorum != 3 || c.ServerStabilizationTime != 30*time.Second {
		t.Fatalf("after restore: %d %+v %v", idx, c, err)
	}
}
