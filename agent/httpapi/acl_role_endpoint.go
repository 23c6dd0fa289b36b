package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// aclRoleBody is a role as clients send it; the server computes the hash
// and indexes.
type aclRoleBody struct {
	ID                string
	Name              string
	Description       string
	Policies          []catalog.ACLLink
	ServiceIdentities []*catalog.ACLServiceIdentity
	NodeIdentities    []*catalog.ACLNodeIdentity
}

// aclRoleCreate answers PUT /v1/acl/role.
func (s *Server) aclRoleCreate(w http.ResponseWriter, r *http.Request) error {
	return s.aclRoleSet(w, r, "", true)
}

// aclRole serves /v1/acl/role/:id (GET, PUT, DELETE).
func (s *Server) aclRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "/v1/acl/role/", "role ID")
	if err != nil {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		return s.aclRoleRead(w, r, &catalog.ACLReadRequest{ID: id})
	case http.MethodPut:
		return s.aclRoleSet(w, r, id, false)
	default:
		return s.aclDelete(w, r, catalog.MethodACLRoleDelete, catalog.ACLRoleDelete, id)
	}
}

// aclRoleReadByName answers GET /v1/acl/role/name/:name.
func (s *Server) aclRoleReadByName(w http.ResponseWriter, r *http.Request) error {
	name, err := pathID(r, "/v1/acl/role/name/", "role Name")
	if err != nil {
		return err
	}
	return s.aclRoleRead(w, r, &catalog.ACLReadRequest{Name: name})
}

// aclRoleRead answers one role. A missing role is a 404 with an empty
// body, as Consul answers (unlike tokens and policies), which consul/api
// turns into a nil role.
func (s *Server) aclRoleRead(w http.ResponseWriter, r *http.Request, args *catalog.ACLReadRequest) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	args.QueryOptions = opts
	var out catalog.IndexedACLRoles
	if err := s.agent.RPC(r.Context(), catalog.MethodACLRoleRead, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	if len(out.Roles) == 0 || out.Roles[0] == nil {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	return writeJSON(w, r, http.StatusOK, out.Roles[0])
}

// aclRoleSet creates a role or updates the one named by id; the body's
// ID must be empty or match the path.
func (s *Server) aclRoleSet(w http.ResponseWriter, r *http.Request, id string, create bool) error {
	var body aclRoleBody
	if err := readACLBody(w, r, "Role", &body); err != nil {
		return err
	}
	if body.ID != "" && body.ID != id {
		return badRequest("Role ID in URL and payload do not match")
	}
	args := catalog.ACLRequest{
		WriteRequest: s.writeRequest(r),
		Op:           catalog.ACLRoleSet,
		Create:       create,
		Role: &catalog.ACLRole{ID: id, Name: body.Name, Description: body.Description,
			Policies: body.Policies, ServiceIdentities: body.ServiceIdentities, NodeIdentities: body.NodeIdentities},
	}
	var out catalog.ACLRole
	if err := s.agent.RPC(r.Context(), catalog.MethodACLRoleSet, &args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, &out)
}

// aclRoleList answers GET /v1/acl/roles (whole roles), optionally only
// those using ?policy= (an ID).
func (s *Server) aclRoleList(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	args := catalog.ACLListRequest{QueryOptions: opts, Policy: params(r).Get("policy")}
	var out catalog.IndexedACLRoles
	if err := s.agent.RPC(r.Context(), catalog.MethodACLRoleList, &args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	list := make([]*catalog.ACLRole, 0, len(out.Roles))
	for _, role := range out.Roles {
		if role != nil {
			list = append(list, role)
		}
	}
	return writeJSON(w, r, http.StatusOK, list)
}
