package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/go-bexpr"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
)

// localServiceJSON is one of the agent's services as consul/api's
// AgentService decodes it. Its Go field names are also the selectors of
// ?filter, as in Consul.
type localServiceJSON struct {
	Kind              string `json:",omitempty"`
	ID                string
	Service           string
	Tags              []string
	Meta              map[string]string
	Port              int
	Address           string
	Weights           catalog.Weights
	EnableTagOverride bool
	Datacenter        string `bexpr:"-"`
	ContentHash       string `json:",omitempty" bexpr:"-"`
}

func (s *Server) renderAgentService(ns *catalog.NodeService) *localServiceJSON {
	out := &localServiceJSON{
		ID:                ns.ID,
		Service:           ns.Service,
		Tags:              orEmptyList(ns.Tags),
		Meta:              orEmptyMap(ns.Meta),
		Port:              ns.Port,
		Address:           ns.Address,
		Weights:           catalog.Weights{Passing: 1, Warning: 1},
		EnableTagOverride: ns.EnableTagOverride,
		Datacenter:        s.cfg.Datacenter,
	}
	if ns.Weights != nil {
		out.Weights = *ns.Weights
	}
	return out
}

// filterParam compiles ?filter; nil when there is none. A malformed
// expression is a 400 with the parser's message, as Consul answers.
func filterParam(r *http.Request) (*bexpr.Filter, error) {
	expr := params(r).Get("filter")
	if expr == "" {
		return nil, nil
	}
	f, err := bexpr.CreateFilter(expr)
	if err != nil {
		return nil, badRequest("Failed to create boolean expression evaluator: %v", err)
	}
	return f, nil
}

// filterMap keeps the values of m the filter selects; a selector that
// names no field is a 400.
func filterMap[V any](f *bexpr.Filter, m map[string]V) (map[string]V, error) {
	if f == nil {
		return m, nil
	}
	out, err := f.Execute(m)
	if err != nil {
		return nil, badRequest("Failed to apply filter: %v", err)
	}
	return out.(map[string]V), nil
}

// agentServices serves GET /v1/agent/services: the agent's own services
// by ID, ?filter applied.
func (s *Server) agentServices(w http.ResponseWriter, r *http.Request) error {
	f, err := filterParam(r)
	if err != nil {
		return err
	}
	authz, err := s.authorizer(r)
	if err != nil {
		return err
	}
	out := map[string]*localServiceJSON{}
	filtered := false
	for _, ns := range s.agent.LocalServices() {
		if !authz.ServiceRead(ns.Service) {
			filtered = true
			continue
		}
		out[ns.ID] = s.renderAgentService(ns)
	}
	if filtered {
		w.Header().Set("X-Consul-Results-Filtered-By-ACLs", "true")
	}
	if out, err = filterMap(f, out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// agentService serves GET /v1/agent/service/:id, with a ContentHash of
// the service's definition. It answers at once: ?hash and ?wait are
// accepted but do not block.
func (s *Server) agentService(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimPrefix(r.URL.Path, "/v1/agent/service/")
	if id == "" {
		return badRequest("Missing service ID")
	}
	for _, ns := range s.agent.LocalServices() {
		if ns.ID != id {
			continue
		}
		if err := s.allow(r, func(a acl.Authorizer) bool { return a.ServiceRead(ns.Service) }); err != nil {
			return err
		}
		out := s.renderAgentService(ns)
		hash, err := contentHash(out)
		if err != nil {
			return err
		}
		out.ContentHash = hash
		w.Header().Set("X-Consul-ContentHash", hash)
		return writeJSON(w, r, http.StatusOK, out)
	}
	return &httpError{code: http.StatusNotFound, msg: "unknown service ID: " + id}
}

// contentHash is a short digest of a service's JSON (ContentHash unset),
// which changes whenever anything a client sees changes.
func contentHash(svc *localServiceJSON) (string, error) {
	b, err := json.Marshal(svc)
	if err != nil {
		return "", fmt.Errorf("hashing the service: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}

// registerOptions reads ?replace-existing-checks and the request's token.
func registerOptions(r *http.Request) RegisterOptions {
	return RegisterOptions{
		ReplaceExistingChecks: boolParam(params(r), "replace-existing-checks"),
		Token:                 requestToken(r),
	}
}

// agentServiceRegister serves PUT /v1/agent/service/register.
func (s *Server) agentServiceRegister(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := readJSON(w, r, MaxJSONBody, &raw); err != nil {
		return err
	}
	svc, specs, err := decodeServiceRegistration(raw)
	if err != nil {
		return err
	}
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.ServiceWrite(svc.Service) }); err != nil {
		return err
	}
	if err := s.agent.RegisterService(svc, specs, registerOptions(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// agentServiceDeregister serves PUT /v1/agent/service/deregister/:id.
func (s *Server) agentServiceDeregister(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimPrefix(r.URL.Path, "/v1/agent/service/deregister/")
	if id == "" {
		return badRequest("Missing service ID")
	}
	if svc := s.localService(id); svc != nil {
		if err := s.allow(r, func(a acl.Authorizer) bool { return a.ServiceWrite(svc.Service) }); err != nil {
			return err
		}
	}
	if err := s.agent.DeregisterService(id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
