package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// aclTokenBody is a token as clients send it. ExpirationTTL is a duration
// string ("1h") or, as consul/api sends it, a number of nanoseconds.
// Server-computed fields (CreateTime, Hash, indexes) are ignored.
type aclTokenBody struct {
	AccessorID        string
	SecretID          string
	Description       string
	Policies          []catalog.ACLLink
	Roles             []catalog.ACLLink
	ServiceIdentities []*catalog.ACLServiceIdentity
	NodeIdentities    []*catalog.ACLNodeIdentity
	Local             bool
	ExpirationTime    *time.Time
	ExpirationTTL     json.RawMessage
}

func (b *aclTokenBody) token() (*catalog.ACLToken, error) {
	t := &catalog.ACLToken{
		AccessorID:        b.AccessorID,
		SecretID:          b.SecretID,
		Description:       b.Description,
		Policies:          b.Policies,
		Roles:             b.Roles,
		ServiceIdentities: b.ServiceIdentities,
		NodeIdentities:    b.NodeIdentities,
		Local:             b.Local,
		ExpirationTime:    b.ExpirationTime,
	}
	ttl, err := parseTTL(b.ExpirationTTL)
	if err != nil {
		return nil, badRequest("Token decoding failed: ExpirationTTL: %v", err)
	}
	t.ExpirationTTL = ttl
	return t, nil
}

// parseTTL reads a duration given as a string or as nanoseconds.
func parseTTL(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return 0, nil
		}
		return time.ParseDuration(s)
	}
	var n float64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%s is neither a duration string nor a number", raw)
	}
	return time.Duration(n), nil
}

// aclTokenListEntryJSON is one token of GET /v1/acl/tokens, as consul/api's
// ACLTokenListEntry decodes it. The secret is sent only when the server
// sent it.
type aclTokenListEntryJSON struct {
	AccessorID        string
	SecretID          string `json:",omitempty"`
	Description       string
	Policies          []catalog.ACLLink             `json:",omitempty"`
	Roles             []catalog.ACLLink             `json:",omitempty"`
	ServiceIdentities []*catalog.ACLServiceIdentity `json:",omitempty"`
	NodeIdentities    []*catalog.ACLNodeIdentity    `json:",omitempty"`
	Local             bool
	ExpirationTime    *time.Time `json:",omitempty"`
	CreateTime        time.Time
	Hash              []byte
	CreateIndex       uint64
	ModifyIndex       uint64
}

// aclTokenCreate answers PUT /v1/acl/token.
func (s *Server) aclTokenCreate(w http.ResponseWriter, r *http.Request) error {
	return s.aclTokenSet(w, r, "", true)
}

// aclToken serves /v1/acl/token/:AccessorID (GET, PUT, DELETE) and
// PUT /v1/acl/token/:AccessorID/clone.
func (s *Server) aclToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "/v1/acl/token/", "token ID")
	if err != nil {
		return err
	}
	if src, ok := strings.CutSuffix(id, "/clone"); ok {
		if r.Method != http.MethodPut {
			return methodNotAllowed(w, r, http.MethodPut)
		}
		return s.aclTokenClone(w, r, src)
	}
	switch r.Method {
	case http.MethodGet:
		return s.aclTokenRead(w, r, &catalog.ACLReadRequest{ID: id})
	case http.MethodPut:
		return s.aclTokenSet(w, r, id, false)
	default:
		return s.aclDelete(w, r, catalog.MethodACLTokenDelete, catalog.ACLTokenDelete, id)
	}
}

// aclTokenSelf answers GET /v1/acl/token/self: the token whose secret the
// request carries.
func (s *Server) aclTokenSelf(w http.ResponseWriter, r *http.Request) error {
	return s.aclTokenRead(w, r, &catalog.ACLReadRequest{ID: requestToken(r), BySecret: true})
}

func (s *Server) aclTokenRead(w http.ResponseWriter, r *http.Request, args *catalog.ACLReadRequest) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	args.QueryOptions = opts
	var out catalog.IndexedACLTokens
	if err := s.agent.RPC(r.Context(), catalog.MethodACLTokenRead, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	if len(out.Tokens) == 0 || out.Tokens[0] == nil {
		return aclNotFound()
	}
	return writeJSON(w, r, http.StatusOK, out.Tokens[0])
}

// aclTokenSet creates a token, or updates the one named by id: the
// body's AccessorID must then be empty or id.
func (s *Server) aclTokenSet(w http.ResponseWriter, r *http.Request, id string, create bool) error {
	var body aclTokenBody
	if err := readACLBody(w, r, "Token", &body); err != nil {
		return err
	}
	token, err := body.token()
	if err != nil {
		return err
	}
	if !create {
		if token.AccessorID != "" && token.AccessorID != id {
			return badRequest("Token Accessor ID in URL and payload do not match")
		}
		token.AccessorID = id
	}
	args := catalog.ACLRequest{WriteRequest: s.writeRequest(r), Op: catalog.ACLTokenSet, Create: create, Token: token}
	var out catalog.ACLToken
	if err := s.agent.RPC(r.Context(), catalog.MethodACLTokenSet, &args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, &out)
}

// aclTokenClone answers PUT /v1/acl/token/:AccessorID/clone: a new token
// with the same links, and the body's description.
func (s *Server) aclTokenClone(w http.ResponseWriter, r *http.Request, id string) error {
	var body struct{ Description string }
	if r.ContentLength != 0 {
		if err := readACLBody(w, r, "Token", &body); err != nil {
			return err
		}
	}
	args := catalog.ACLRequest{
		WriteRequest: s.writeRequest(r),
		Op:           catalog.ACLTokenSet,
		Create:       true,
		ID:           id,
		Token:        &catalog.ACLToken{Description: body.Description},
	}
	var out catalog.ACLToken
	if err := s.agent.RPC(r.Context(), catalog.MethodACLTokenClone, &args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, &out)
}

// aclTokenList answers GET /v1/acl/tokens, optionally only the tokens
// using ?policy= or ?role= (IDs).
func (s *Server) aclTokenList(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	q := params(r)
	args := catalog.ACLListRequest{QueryOptions: opts, Policy: q.Get("policy"), Role: q.Get("role")}
	var out catalog.IndexedACLTokens
	if err := s.agent.RPC(r.Context(), catalog.MethodACLTokenList, &args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	list := make([]aclTokenListEntryJSON, 0, len(out.Tokens))
	for _, t := range out.Tokens {
		if t == nil {
			continue
		}
		list = append(list, aclTokenListEntryJSON{
			AccessorID: t.AccessorID, SecretID: t.SecretID, Description: t.Description,
			Policies: t.Policies, Roles: t.Roles,
			ServiceIdentities: t.ServiceIdentities, NodeIdentities: t.NodeIdentities,
			Local: t.Local, ExpirationTime: t.ExpirationTime, CreateTime: t.CreateTime,
			Hash: t.Hash, CreateIndex: t.CreateIndex, ModifyIndex: t.ModifyIndex,
		})
	}
	return writeJSON(w, r, http.StatusOK, list)
}

// aclDelete deletes the token, policy or role id and answers `true`.
func (s *Server) aclDelete(w http.ResponseWriter, r *http.Request, method string, op catalog.ACLOp, id string) error {
	args := catalog.ACLRequest{WriteRequest: s.writeRequest(r), Op: op, ID: id}
	var out struct{}
	if err := s.agent.RPC(r.Context(), method, &args, &out); err != nil {
		return err
	}
	return writeDeleted(w, r)
}
