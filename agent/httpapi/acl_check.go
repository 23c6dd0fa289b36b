package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
)

// authorizer resolves the request's token for the agent's own endpoints
// (the servers check everything else themselves).
func (s *Server) authorizer(r *http.Request) (acl.Authorizer, error) {
	return s.agent.Authorize(requestToken(r))
}

// allow answers 403 unless ok holds for the request's token.
func (s *Server) allow(r *http.Request, ok func(acl.Authorizer) bool) error {
	authz, err := s.authorizer(r)
	if err != nil {
		return err
	}
	if !ok(authz) {
		return catalog.ErrPermissionDenied
	}
	return nil
}

// localService finds a service of this agent by ID.
func (s *Server) localService(id string) *catalog.NodeService {
	for _, ns := range s.agent.LocalServices() {
		if ns.ID == id {
			return ns
		}
	}
	return nil
}

// localCheck finds a check of this agent by ID.
func (s *Server) localCheck(id string) *catalog.HealthCheck {
	for _, c := range s.agent.LocalChecks() {
		if c.CheckID == id {
			return c
		}
	}
	return nil
}

// checkWriteAllowed: a service check needs service:write on its service,
// a node check node:write on this node. An unknown check is left to the
// handler, which answers 404.
func (s *Server) checkWriteAllowed(r *http.Request, id string) error {
	c := s.localCheck(id)
	if c == nil {
		return nil
	}
	return s.allow(r, func(a acl.Authorizer) bool {
		if c.ServiceName != "" {
			return a.ServiceWrite(c.ServiceName)
		}
		return a.NodeWrite(c.Node)
	})
}
