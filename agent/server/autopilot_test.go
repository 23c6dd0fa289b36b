package server

import (
	"testing"

	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

func TestMinQuorumPromoterCountsVoters(t *testing.T) {
	failed := func() *autopilot.FailedServers {
		return &autopilot.FailedServers{
			StaleVoters:     []raft.ServerID{"stale"},
			FailedVoters:    []*autopilot.Server{{ID: "dead1"}, {ID: "dead2"}},
			FailedNonVoters: []*autopilot.Server{{ID: "nv"}},
		}
	}
	for _, tc := range []struct {
		voters, minQuorum int
		stale, dead       int
	}{
		{voters: 3, minQuorum: 0, stale: 1, dead: 2}, // min_quorum off: autopilot's own limits apply
		{voters: 3, minQuorum: 3, stale: 0, dead: 0}, // replacement not yet a voter
		{voters: 4, minQuorum: 3, stale: 1, dead: 0},
		{voters: 5, minQuorum: 3, stale: 1, dead: 1},
		{voters: 6, minQuorum: 3, stale: 1, dead: 2},
	} {
		st := &autopilot.State{Voters: make([]raft.ServerID, tc.voters)}
		got := (&minQuorumPromoter{}).FilterFailedServerRemovals(&autopilot.Config{MinQuorum: uint(tc.minQuorum)}, st, failed())
		if len(got.StaleVoters) != tc.stale || len(got.FailedVoters) != tc.dead || len(got.FailedNonVoters) != 1 {
			t.Errorf("%d voters, min_quorum %d: %d stale and %d dead voters removable, want %d and %d (non-voters %d, want 1)",
				tc.voters, tc.minQuorum, len(got.StaleVoters), len(got.FailedVoters), tc.stale, tc.dead, len(got.FailedNonVoters))
		}
	}
}

func TestParseLastContact(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "never": -1, "": -1, "12ms": 12e6, "junk": -1} {
		if got := parseLastContact(in); int64(got) != want {
			t.Errorf("parseLastContact(%q) = %v, want %v", in, got, want)
		}
	}
}
