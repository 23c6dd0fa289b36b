package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// aclReplication answers GET /v1/acl/replication (?dc): the ACL
// replication state of the datacenter's leader. Consul documents no ACL
// for it, and it carries no secret.
func (s *Server) aclReplication(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var out catalog.ACLReplicationStatus
	if err := s.agent.RPC(r.Context(), catalog.MethodACLReplicationStatus, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, out)
}
