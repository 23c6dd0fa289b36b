package fsm

import (
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
)

func applyACL(st *state.Store, idx uint64, body []byte) interface{} {
	var req catalog.ACLRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("ACL request: %w", err)
	}
	return applyACLRequest(st, idx, &req)
}

func applyACLRequest(st *state.Store, idx uint64, req *catalog.ACLRequest) interface{} {
	switch req.Op {
	case catalog.ACLBatch:
		// Every server applies the same batch to the same state, so a
		// change that fails fails everywhere; the rest still apply, as
		// the next replication round retries the failed ones.
		var first error
		for _, sub := range req.Batch {
			if sub == nil || sub.Op == catalog.ACLBatch || sub.Op == catalog.ACLBootstrap {
				continue
			}
			if err, ok := applyACLRequest(st, idx, sub).(error); ok && err != nil && first == nil {
				first = err
			}
		}
		return first
	case catalog.ACLBootstrap:
		return st.ACLBootstrap(idx, req.ResetIndex, req.Token)
	case catalog.ACLTokenSet:
		return st.ACLTokenSet(idx, req.Token)
	case catalog.ACLTokenDelete:
		return st.ACLTokenDelete(idx, req.ID)
	case catalog.ACLPolicySet:
		return st.ACLPolicySet(idx, req.Policy)
	case catalog.ACLPolicyDelete:
		return st.ACLPolicyDelete(idx, req.ID)
	case catalog.ACLRoleSet:
		return st.ACLRoleSet(idx, req.Role)
	case catalog.ACLRoleDelete:
		return st.ACLRoleDelete(idx, req.ID)
	}
	return fmt.Errorf("invalid ACL operation %q", req.Op)
}
