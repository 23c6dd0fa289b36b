package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/concord-dev/concord/acl"
)

// maintParams reads ?enable (required: true or false) and ?reason.
func maintParams(r *http.Request) (enable bool, reason string, err error) {
	q := params(r)
	if !hasParam(q, "enable") || q.Get("enable") == "" {
		return false, "", badRequest("Missing value for enable")
	}
	enable, perr := strconv.ParseBool(q.Get("enable"))
	if perr != nil {
		return false, "", badRequest("Invalid value for enable: %q", q.Get("enable"))
	}
	return enable, q.Get("reason"), nil
}

// agentNodeMaintenance serves PUT /v1/agent/maintenance.
func (s *Server) agentNodeMaintenance(w http.ResponseWriter, r *http.Request) error {
	enable, reason, err := maintParams(r)
	if err != nil {
		return err
	}
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.NodeWrite(s.agent.Self().NodeName) }); err != nil {
		return err
	}
	s.agent.NodeMaintenance(enable, reason)
	w.WriteHeader(http.StatusOK)
	return nil
}

// agentServiceMaintenance serves PUT /v1/agent/service/maintenance/:id.
func (s *Server) agentServiceMaintenance(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimPrefix(r.URL.Path, "/v1/agent/service/maintenance/")
	if id == "" {
		return badRequest("Missing service ID")
	}
	enable, reason, err := maintParams(r)
	if err != nil {
		return err
	}
	if svc := s.localService(id); svc != nil {
		if err := s.allow(r, func(a acl.Authorizer) bool { return a.ServiceWrite(svc.Service) }); err != nil {
			return err
		}
	}
	if err := s.agent.ServiceMaintenance(id, enable, reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// agentReload serves PUT /v1/agent/reload: the agent re-reads its
// configuration files and answers once it has.
func (s *Server) agentReload(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.AgentWrite(s.agent.Self().NodeName) }); err != nil {
		return err
	}
	if err := s.agent.Reload(); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
