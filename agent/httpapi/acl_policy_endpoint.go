package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// aclPolicyListEntryJSON is one policy of GET /v1/acl/policies, as
// consul/api's ACLPolicyListEntry decodes it: no rules.
type aclPolicyListEntryJSON struct {
	ID          string
	Name        string
	Description string
	Datacenters []string
	Hash        []byte
	CreateIndex uint64
	ModifyIndex uint64
}

// aclPolicyJSON is a policy as Consul renders it (Datacenters always
// present).
type aclPolicyJSON struct {
	ID          string
	Name        string
	Description string
	Rules       string
	Datacenters []string
	Hash        []byte
	CreateIndex uint64
	ModifyIndex uint64
}

// aclPolicyBody is a policy as clients send it; the server computes the
// hash and indexes.
type aclPolicyBody struct {
	ID          string
	Name        string
	Description string
	Rules       string
	Datacenters []string
}

// aclPolicyCreate answers PUT /v1/acl/policy. The ID is the server's to
// choose.
func (s *Server) aclPolicyCreate(w http.ResponseWriter, r *http.Request) error {
	return s.aclPolicySet(w, r, "", true)
}

// aclPolicy serves /v1/acl/policy/:id (GET, PUT, DELETE).
func (s *Server) aclPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "/v1/acl/policy/", "policy ID")
	if err != nil {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		return s.aclPolicyRead(w, r, &catalog.ACLReadRequest{ID: id})
	case http.MethodPut:
		return s.aclPolicySet(w, r, id, false)
	default:
		return s.aclDelete(w, r, catalog.MethodACLPolicyDelete, catalog.ACLPolicyDelete, id)
	}
}

// aclPolicyReadByName answers GET /v1/acl/policy/name/:name.
func (s *Server) aclPolicyReadByName(w http.ResponseWriter, r *http.Request) error {
	name, err := pathID(r, "/v1/acl/policy/name/", "policy Name")
	if err != nil {
		return err
	}
	return s.aclPolicyRead(w, r, &catalog.ACLReadRequest{Name: name})
}

// aclPolicyRead answers one policy; a missing one is Consul's 403 "ACL
// not found".
func (s *Server) aclPolicyRead(w http.ResponseWriter, r *http.Request, args *catalog.ACLReadRequest) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	args.QueryOptions = opts
	var out catalog.IndexedACLPolicies
	if err := s.agent.RPC(r.Context(), catalog.MethodACLPolicyRead, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	if len(out.Policies) == 0 || out.Policies[0] == nil {
		return aclNotFound()
	}
	return writeJSON(w, r, http.StatusOK, policyJSON(out.Policies[0]))
}

func policyJSON(p *catalog.ACLPolicy) aclPolicyJSON {
	return aclPolicyJSON{ID: p.ID, Name: p.Name, Description: p.Description, Rules: p.Rules,
		Datacenters: p.Datacenters, Hash: p.Hash, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex}
}

// aclPolicySet creates a policy (no ID may be given) or updates the one
// named by id (the body's ID must then be empty or id).
func (s *Server) aclPolicySet(w http.ResponseWriter, r *http.Request, id string, create bool) error {
	var body aclPolicyBody
	if err := readACLBody(w, r, "Policy", &body); err != nil {
		return err
	}
	if create {
		if body.ID != "" {
			return badRequest("Cannot specify the ID when creating a new policy")
		}
	} else {
		if body.ID != "" && body.ID != id {
			return badRequest("Policy ID in URL and payload do not match")
		}
		body.ID = id
	}
	args := catalog.ACLRequest{
		WriteRequest: s.writeRequest(r),
		Op:           catalog.ACLPolicySet,
		Create:       create,
		Policy: &catalog.ACLPolicy{ID: body.ID, Name: body.Name, Description: body.Description,
			Rules: body.Rules, Datacenters: body.Datacenters},
	}
	var out catalog.ACLPolicy
	if err := s.agent.RPC(r.Context(), catalog.MethodACLPolicySet, &args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, policyJSON(&out))
}

// aclPolicyList answers GET /v1/acl/policies.
func (s *Server) aclPolicyList(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedACLPolicies
	if err := s.agent.RPC(r.Context(), catalog.MethodACLPolicyList, &catalog.ACLListRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	list := make([]aclPolicyListEntryJSON, 0, len(out.Policies))
	for _, p := range out.Policies {
		if p == nil {
			continue
		}
		list = append(list, aclPolicyListEntryJSON{ID: p.ID, Name: p.Name, Description: p.Description,
			Datacenters: p.Datacenters, Hash: p.Hash, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex})
	}
	return writeJSON(w, r, http.StatusOK, list)
}
