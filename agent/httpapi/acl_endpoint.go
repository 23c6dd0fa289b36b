package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// The ACL endpoints (/v1/acl/*) pass requests to the servers' ACL methods
// and render their objects. The servers decide everything: whether ACLs
// are on (401), what the request's token may do (403), what a valid
// object is (400). Secrets travel in bodies and answers only; nothing
// here logs a body.

// bootstrapDeniedText is in the servers' answer to a second bootstrap.
const bootstrapDeniedText = "ACL bootstrap no longer allowed"

// aclBootstrapJSON is the bootstrap answer: the token, plus the legacy
// "ID" field (the secret) older clients read.
type aclBootstrapJSON struct {
	ID string
	*catalog.ACLToken
}

// aclBootstrap answers PUT /v1/acl/bootstrap with the first management
// token. The body may name the secret to use ({"BootstrapSecret": ...}).
func (s *Server) aclBootstrap(w http.ResponseWriter, r *http.Request) error {
	args := catalog.ACLRequest{
		WriteRequest: catalog.WriteRequest{Datacenter: s.cfg.Datacenter, Token: requestToken(r)},
		Op:           catalog.ACLBootstrap,
	}
	if r.ContentLength != 0 {
		var body struct{ BootstrapSecret string }
		if err := readACLBody(w, r, "Bootstrap request", &body); err != nil {
			return err
		}
		if body.BootstrapSecret != "" {
			args.Token = &catalog.ACLToken{SecretID: body.BootstrapSecret}
		}
	}
	var out catalog.ACLToken
	if err := s.agent.RPC(r.Context(), catalog.MethodACLBootstrap, &args, &out); err != nil {
		if msg := err.Error(); strings.Contains(msg, bootstrapDeniedText) {
			// Consul's answer: 403, the reason and the reset index.
			if !errors.Is(err, catalog.ErrPermissionDenied) {
				msg = catalog.ErrPermissionDenied.Error() + ": " + msg
			}
			return &httpError{code: http.StatusForbidden, msg: msg}
		}
		return err
	}
	return writeJSON(w, r, http.StatusOK, aclBootstrapJSON{ID: out.SecretID, ACLToken: &out})
}

// readACLBody decodes an ACL object from the body; a malformed one is a
// 400 saying which object failed ("Token decoding failed: ..."), as
// Consul words it.
func readACLBody(w http.ResponseWriter, r *http.Request, what string, v interface{}) error {
	err := readJSON(w, r, MaxJSONBody, v)
	var he *httpError
	if errors.As(err, &he) && he.code == http.StatusBadRequest {
		cause := strings.TrimPrefix(he.msg, "Request decode failed: ")
		return badRequest("%s decoding failed: %s", what, cause)
	}
	return err
}

// pathID is what follows prefix in the request's path; a missing one is
// a 400 ("Missing token ID").
func pathID(r *http.Request, prefix, what string) (string, error) {
	id := strings.TrimPrefix(r.URL.Path, prefix)
	if id == "" {
		return "", badRequest("Missing %s", what)
	}
	return id, nil
}

// aclNotFound is Consul's answer to a read of a token or policy that does
// not exist: 403 "ACL not found".
func aclNotFound() error { return catalog.ErrACLNotFound }

// writeDeleted answers a successful ACL delete: `true`.
func writeDeleted(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, r, http.StatusOK, true)
}

// methodNotAllowed answers a method a sub-path does not take, as the route
// table does for whole routes.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, allowed ...string) error {
	w.Header().Set("Allow", strings.Join(append(allowed, http.MethodOptions), ", "))
	return &httpError{code: http.StatusMethodNotAllowed,
		msg: "method " + r.Method + " not allowed on " + r.URL.Path + ": use " + strings.Join(allowed, " or ")}
}
