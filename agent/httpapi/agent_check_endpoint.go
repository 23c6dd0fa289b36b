package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
)

// localCheckJSON is one of the agent's checks as consul/api's AgentCheck
// decodes it (plus ServiceTags, which Consul sends too). Its Go field
// names are the selectors of ?filter.
type localCheckJSON struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	ExposedPort int
	// Definition is always empty: the agent's check list carries no
	// definitions.
	Definition  struct{} `bexpr:"-"`
	CreateIndex uint64   `json:",omitempty" bexpr:"-"`
	ModifyIndex uint64   `json:",omitempty" bexpr:"-"`
}

func renderAgentCheck(c *catalog.HealthCheck) *localCheckJSON {
	return &localCheckJSON{
		Node:        c.Node,
		CheckID:     c.CheckID,
		Name:        c.Name,
		Status:      c.Status,
		Notes:       c.Notes,
		Output:      c.Output,
		ServiceID:   c.ServiceID,
		ServiceName: c.ServiceName,
		ServiceTags: orEmptyList(c.ServiceTags),
		Type:        c.Type,
		CreateIndex: c.CreateIndex,
		ModifyIndex: c.ModifyIndex,
	}
}

// agentChecks serves GET /v1/agent/checks: the agent's own checks by ID,
// maintenance checks included, ?filter applied.
func (s *Server) agentChecks(w http.ResponseWriter, r *http.Request) error {
	f, err := filterParam(r)
	if err != nil {
		return err
	}
	authz, err := s.authorizer(r)
	if err != nil {
		return err
	}
	out := map[string]*localCheckJSON{}
	filtered := false
	for _, c := range s.agent.LocalChecks() {
		if c.ServiceName != "" && !authz.ServiceRead(c.ServiceName) || c.ServiceName == "" && !authz.NodeRead(c.Node) {
			filtered = true
			continue
		}
		out[c.CheckID] = renderAgentCheck(c)
	}
	if filtered {
		w.Header().Set("X-Consul-Results-Filtered-By-ACLs", "true")
	}
	if out, err = filterMap(f, out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// agentCheckRegister serves PUT /v1/agent/check/register.
func (s *Server) agentCheckRegister(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := readJSON(w, r, MaxJSONBody, &raw); err != nil {
		return err
	}
	spec, err := decodeCheckRegistration(raw)
	if err != nil {
		return err
	}
	if err := s.allow(r, func(a acl.Authorizer) bool {
		if spec.ServiceID != "" {
			if svc := s.localService(spec.ServiceID); svc != nil {
				return a.ServiceWrite(svc.Service)
			}
		}
		return a.NodeWrite(s.agent.Self().NodeName)
	}); err != nil {
		return err
	}
	if err := s.agent.RegisterCheck(spec, registerOptions(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// checkIDFrom takes the check ID after prefix in the path.
func checkIDFrom(r *http.Request, prefix string) (string, error) {
	id := strings.TrimPrefix(r.URL.Path, prefix)
	if id == "" {
		return "", badRequest("Missing check ID")
	}
	return id, nil
}

// agentCheckDeregister serves PUT /v1/agent/check/deregister/:id.
func (s *Server) agentCheckDeregister(w http.ResponseWriter, r *http.Request) error {
	id, err := checkIDFrom(r, "/v1/agent/check/deregister/")
	if err != nil {
		return err
	}
	if err := s.checkWriteAllowed(r, id); err != nil {
		return err
	}
	if err := s.agent.DeregisterCheck(id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// agentCheckTTL serves PUT /v1/agent/check/{pass,warn,fail}/:id: the TTL
// check takes status, with ?note as its output.
func (s *Server) agentCheckTTL(status string) handlerFunc {
	verb := map[string]string{
		catalog.HealthPassing:  "pass",
		catalog.HealthWarning:  "warn",
		catalog.HealthCritical: "fail",
	}[status]
	prefix := "/v1/agent/check/" + verb + "/"
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := checkIDFrom(r, prefix)
		if err != nil {
			return err
		}
		if err := s.checkWriteAllowed(r, id); err != nil {
			return err
		}
		if err := s.agent.UpdateTTLCheck(id, status, params(r).Get("note")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// agentCheckUpdate serves PUT /v1/agent/check/update/:id with a body of
// {"Status": "passing|warning|critical", "Output": "..."}.
func (s *Server) agentCheckUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := checkIDFrom(r, "/v1/agent/check/update/")
	if err != nil {
		return err
	}
	if err := s.checkWriteAllowed(r, id); err != nil {
		return err
	}
	var raw json.RawMessage
	if err := readJSON(w, r, MaxJSONBody, &raw); err != nil {
		return err
	}
	o, ok, err := parseObject("", raw)
	if err != nil {
		return err
	}
	var status, output string
	if ok {
		if err := firstError(o.str(&status, "Status"), o.str(&output, "Output")); err != nil {
			return err
		}
	}
	switch status {
	case catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Invalid check status: %q (must be passing, warning or critical)", status)
	}
	if err := s.agent.UpdateTTLCheck(id, status, output); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
