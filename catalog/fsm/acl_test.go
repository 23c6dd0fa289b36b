package fsm

import (
	"testing"

	"github.com/concord-dev/concord/catalog"
)

// TestApplyACLBatch: a batch applies its changes in order in one entry
// (through the Raft encoding), keeps given IDs and secrets, applies what
// it can when one change fails and reports that failure.
func TestApplyACLBatch(t *testing.T) {
	f := newFSM(t)
	pol := &catalog.ACLPolicy{ID: "8c1e6c4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Name: "app", Rules: `key "a" { policy = "read" }`}
	tok := &catalog.ACLToken{AccessorID: "a5b6c7d8-1a2b-4c3d-8e9f-0a1b2c3d4e5f", SecretID: "b6c7d8e9-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
		Policies: []catalog.ACLLink{{ID: pol.ID}}}
	mustApply(t, f, 10, ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLBatch, Batch: []*catalog.ACLRequest{
		{Op: catalog.ACLPolicySet, Policy: pol},
		{Op: catalog.ACLTokenSet, Token: tok},
	}})
	st := f.State()
	if _, got, err := st.ACLTokenGet(nil, tok.SecretID, true); err != nil || got == nil || got.AccessorID != tok.AccessorID || len(got.Policies) != 1 || got.Policies[0].Name != "app" {
		t.Fatalf("token after the batch = %+v, %v", got, err)
	}

	// A token linking a missing policy fails; the delete beside it applies.
	res := apply(t, f, 11, ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLBatch, Batch: []*catalog.ACLRequest{
		{Op: catalog.ACLTokenSet, Token: &catalog.ACLToken{AccessorID: "c7d8e9f0-1a2b-4c3d-8e9f-0a1b2c3d4e5f", SecretID: "d8e9f0a1-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
			Policies: []catalog.ACLLink{{ID: "00000000-0000-4000-8000-00000000dead"}}}},
		{Op: catalog.ACLTokenDelete, ID: tok.AccessorID},
	}})
	if err, ok := res.(error); !ok || err == nil {
		t.Fatalf("batch with a bad change = %v, want its error", res)
	}
	if _, got, _ := st.ACLTokenGet(nil, tok.AccessorID, false); got != nil {
		t.Fatalf("the delete in a failing batch did not apply: %+v", got)
	}
}
