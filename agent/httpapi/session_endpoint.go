package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// sessionJSON is a session as consul/api's SessionEntry decodes it;
// LockDelay is in nanoseconds, TTL the string the client sent.
type sessionJSON struct {
	ID            string
	Name          string
	Node          string
	LockDelay     time.Duration
	Behavior      string
	TTL           string
	NodeChecks    []string
	ServiceChecks []serviceCheckJSON
	CreateIndex   uint64
	ModifyIndex   uint64
}

type serviceCheckJSON struct {
	ID        string
	Namespace string
}

func sessionOut(s *catalog.Session) sessionJSON {
	out := sessionJSON{ID: s.ID, Name: s.Name, Node: s.Node, LockDelay: s.LockDelay, Behavior: s.Behavior,
		TTL: s.TTL, NodeChecks: s.NodeChecks, CreateIndex: s.CreateIndex, ModifyIndex: s.ModifyIndex}
	for _, c := range s.ServiceChecks {
		out.ServiceChecks = append(out.ServiceChecks, serviceCheckJSON(c))
	}
	return out
}

func sessionsOut(list []*catalog.Session) []sessionJSON {
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		if s != nil {
			out = append(out, sessionOut(s))
		}
	}
	return out
}

// lockDelaySecondsBelow: a bare number below it is a count of seconds,
// anything else nanoseconds, as Consul reads LockDelay.
const lockDelaySecondsBelow = 1000

// decodeSessionCreate reads a PUT /v1/session/create body with Consul's
// defaults: the agent's node, serfHealth as the only check when no checks
// are named (the legacy "Checks" counts as naming node checks; an empty
// "NodeChecks", as CreateNoChecks sends, means none), a 15 s lock-delay
// and the release behaviour. An empty body is all defaults.
func decodeSessionCreate(raw []byte, node string) (*catalog.Session, error) {
	sess := &catalog.Session{Node: node, LockDelay: catalog.DefaultLockDelay, Behavior: catalog.SessionRelease}
	if len(bytes.TrimSpace(raw)) == 0 {
		sess.NodeChecks = []string{catalog.SerfCheckID}
		return sess, nil
	}
	o, ok, err := parseObject("", raw)
	if err != nil {
		return nil, err
	}
	if !ok {
		sess.NodeChecks = []string{catalog.SerfCheckID}
		return sess, nil
	}
	var legacy []string
	err = firstError(
		o.str(&sess.Name, "Name"),
		o.str(&sess.Node, "Node"),
		o.str(&sess.Behavior, "Behavior"),
		o.str(&sess.TTL, "TTL"),
		o.strList(&legacy, "Checks"),
		o.strList(&sess.NodeChecks, "NodeChecks"),
	)
	if err != nil {
		return nil, err
	}
	if sess.Node == "" {
		sess.Node = node
	}
	if sess.Behavior == "" {
		sess.Behavior = catalog.SessionRelease
	}
	sess.NodeChecks = append(sess.NodeChecks, legacy...)
	svcChecks, err := o.list("ServiceChecks")
	if err != nil {
		return nil, err
	}
	for _, sc := range svcChecks {
		var c catalog.ServiceCheck
		if err := firstError(sc.str(&c.ID, "ID"), sc.str(&c.Namespace, "Namespace")); err != nil {
			return nil, err
		}
		sess.ServiceChecks = append(sess.ServiceChecks, c)
	}
	if !o.has("Checks", "NodeChecks", "ServiceChecks") {
		sess.NodeChecks = []string{catalog.SerfCheckID}
	}
	if raw, field, ok := o.get("LockDelay"); ok {
		var f float64
		if json.Unmarshal(raw, &f) == nil {
			if f < 0 || f > math.MaxInt64 {
				return nil, decodeError(field, "lock delay %s is out of range", raw)
			}
			sess.LockDelay = time.Duration(f)
			if f < lockDelaySecondsBelow {
				sess.LockDelay = time.Duration(f * float64(time.Second))
			}
		} else if err := o.duration(&sess.LockDelay, "LockDelay"); err != nil {
			return nil, err
		}
	}
	if sess.TTL != "" {
		if _, err := time.ParseDuration(sess.TTL); err != nil {
			return nil, badRequest("Request decode failed: TTL: invalid duration %q", sess.TTL)
		}
	}
	return sess, nil
}

// sessionCreate answers PUT /v1/session/create with {"ID": ...}.
func (s *Server) sessionCreate(w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bodyTooLarge(MaxJSONBody)
		}
		return badRequest("Failed to read the request body: %v", err)
	}
	sess, err := decodeSessionCreate(raw, s.cfg.NodeName)
	if err != nil {
		return err
	}
	args := &catalog.SessionRequest{WriteRequest: s.writeRequest(r), Op: catalog.SessionCreate, Session: *sess}
	var id string
	if err := s.agent.RPC(r.Context(), catalog.MethodSessionApply, args, &id); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, struct{ ID string }{id})
}

// sessionDestroy answers PUT /v1/session/destroy/:id with true.
func (s *Server) sessionDestroy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "/v1/session/destroy/", "session ID")
	if err != nil {
		return err
	}
	args := &catalog.SessionRequest{WriteRequest: s.writeRequest(r), Op: catalog.SessionDestroy, Session: catalog.Session{ID: id}}
	var out string
	if err := s.agent.RPC(r.Context(), catalog.MethodSessionApply, args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, true)
}

// sessionRenew answers PUT /v1/session/renew/:id with [session], or 404
// when the session is unknown or has expired.
func (s *Server) sessionRenew(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "/v1/session/renew/", "session ID")
	if err != nil {
		return err
	}
	wr := s.writeRequest(r)
	args := &catalog.SessionSpecificRequest{QueryOptions: catalog.QueryOptions{Datacenter: wr.Datacenter, Token: wr.Token}, SessionID: id}
	var out catalog.IndexedSessions
	if err := s.agent.RPC(r.Context(), catalog.MethodSessionRenew, args, &out); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			writeText(w, http.StatusNotFound, "Session id '"+id+"' not found")
			return nil
		}
		return err
	}
	return writeJSON(w, r, http.StatusOK, sessionsOut(out.Sessions))
}

// sessionInfo answers GET /v1/session/info/:id: [] or [session].
func (s *Server) sessionInfo(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "/v1/session/info/", "session ID")
	if err != nil {
		return err
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedSessions
	args := &catalog.SessionSpecificRequest{QueryOptions: opts, SessionID: id}
	if err := s.agent.RPC(r.Context(), catalog.MethodSessionGet, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSON(w, r, http.StatusOK, sessionsOut(out.Sessions))
}

// sessionNode answers GET /v1/session/node/:node.
func (s *Server) sessionNode(w http.ResponseWriter, r *http.Request) error {
	node, err := pathID(r, "/v1/session/node/", "node name")
	if err != nil {
		return err
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedSessions
	if err := s.agent.RPC(r.Context(), catalog.MethodSessionNode, &catalog.NodeRequest{QueryOptions: opts, Node: node}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSON(w, r, http.StatusOK, sessionsOut(out.Sessions))
}

// sessionList answers GET /v1/session/list.
func (s *Server) sessionList(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedSessions
	if err := s.agent.RPC(r.Context(), catalog.MethodSessionList, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSON(w, r, http.StatusOK, sessionsOut(out.Sessions))
}

// sessionParam is a lock verb's session (?acquire= or ?release=); a
// present but empty one is a 400.
func sessionParam(r *http.Request, name string) (string, error) {
	v := strings.TrimSpace(params(r).Get(name))
	if v == "" {
		return "", badRequest("Missing session: ?%s needs a session ID", name)
	}
	return v, nil
}
