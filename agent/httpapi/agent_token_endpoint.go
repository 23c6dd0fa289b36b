package httpapi

import (
	"fmt"
	"net/http"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
)

// agentToken answers PUT /v1/agent/token/:kind with {"Token": "..."}:
// it replaces one of the agent's own tokens. An unknown kind is Consul's
// 404 "Token \"x\" is unknown", which consul/api's legacy fallbacks rely
// on.
func (s *Server) agentToken(w http.ResponseWriter, r *http.Request) error {
	kind, err := pathID(r, "/v1/agent/token/", "token type")
	if err != nil {
		return err
	}
	var body struct{ Token string }
	if err := readJSON(w, r, MaxJSONBody, &body); err != nil {
		return err
	}
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.ACLWrite() }); err != nil {
		return err
	}
	if err := s.agent.SetAgentToken(kind, body.Token); err != nil {
		if catalog.IsBadRequest(err) {
			return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("Token %q is unknown", kind)}
		}
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
