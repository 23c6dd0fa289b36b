package state

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestAutopilotConfigCAS(t *testing.T) {
	s := newStore(t)
	if idx, c, err := s.AutopilotConfig(); err != nil || c != nil || idx != 0 {
		t.Fatalf("empty store: %d %v %v", idx, c, err)
	}
	// A CAS against a stored index when nothing is stored loses.
	if ok, err := s.AutopilotSetConfig(5, &catalog.AutopilotConfig{ModifyIndex: 3}, true); err != nil || ok {
		t.Fatalf("cas on empty with index 3: %v %v", ok, err)
	}
	if ok, err := s.AutopilotSetConfig(5, &catalog.AutopilotConfig{MinQuorum: 3, ServerStabilizationTime: time.Second}, true); err != nil || !ok {
		t.Fatalf("cas 0 on empty: %v %v", ok, err)
	}
	idx, c, err := s.AutopilotConfig()
	if err != nil || idx != 5 || c.MinQuorum != 3 || c.CreateIndex != 5 || c.ServerStabilizationTime != time.Second {
		t.Fatalf("after set: %d %+v %v", idx, c, err)
	}
	if ok, _ := s.AutopilotSetConfig(6, &catalog.AutopilotConfig{ModifyIndex: 4}, true); ok {
		t.Fatal("cas with a stale index wrote")
	}
	if ok, _ := s.AutopilotSetConfig(7, &catalog.AutopilotConfig{MinQuorum: 5, ModifyIndex: 5}, true); !ok {
		t.Fatal("cas with the current index did not write")
	}
	if ok, _ := s.AutopilotSetConfig(8, &catalog.AutopilotConfig{MinQuorum: 1}, false); !ok {
		t.Fatal("plain set did not write")
	}
	_, c, _ = s.AutopilotConfig()
	if c.MinQuorum != 1 || c.CreateIndex != 5 || c.ModifyIndex != 8 {
		t.Fatalf("after plain set: %+v", c)
	}
}
