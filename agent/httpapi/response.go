package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/concord-dev/concord/catalog"
)

// httpError is an error a handler answers with a status of its choosing.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...interface{}) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func tooLarge(format string, args ...interface{}) error {
	return &httpError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf(format, args...)}
}

// writeJSON renders v with status code; ?pretty indents it.
func writeJSON(w http.ResponseWriter, r *http.Request, code int, v interface{}) error {
	var (
		buf []byte
		err error
	)
	if hasParam(r.URL.Query(), "pretty") {
		buf, err = json.MarshalIndent(v, "", "    ")
		buf = append(buf, '\n')
	} else {
		buf, err = json.Marshal(v)
	}
	if err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(buf)
	return nil
}

// writeText answers a plain-text message (errors, 404s, 405s).
func writeText(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg)
}

// setMeta sets the headers of a read: the index it reflects (never 0, so a
// client's next blocking query always waits), whether a leader is known,
// how stale the answer may be and which consistency mode served it.
func setMeta(w http.ResponseWriter, qm catalog.QueryMeta, opts catalog.QueryOptions) {
	h := w.Header()
	index := qm.Index
	if index == 0 {
		index = 1
	}
	h.Set("X-Consul-Index", strconv.FormatUint(index, 10))
	h.Set("X-Consul-KnownLeader", strconv.FormatBool(qm.KnownLeader))
	h.Set("X-Consul-LastContact", strconv.FormatInt(qm.LastContact.Milliseconds(), 10))
	h.Set("X-Consul-Effective-Consistency", effectiveConsistency(opts))
}

// setLeaderMeta sets the headers of a read that does not block (a
// read-only transaction): leader knowledge and staleness only.
func setLeaderMeta(w http.ResponseWriter, qm catalog.QueryMeta, opts catalog.QueryOptions) {
	h := w.Header()
	h.Set("X-Consul-KnownLeader", strconv.FormatBool(qm.KnownLeader))
	h.Set("X-Consul-LastContact", strconv.FormatInt(qm.LastContact.Milliseconds(), 10))
	h.Set("X-Consul-Effective-Consistency", effectiveConsistency(opts))
}

func effectiveConsistency(opts catalog.QueryOptions) string {
	switch {
	case opts.AllowStale:
		return "stale"
	case opts.RequireConsistent:
		return "consistent"
	}
	return "leader"
}

// writeError maps an error to its status and message. Errors the
// handlers and the servers expect are answered quietly; anything else is a
// 500 and is logged. A log line names the method and path only, never the
// query string, so a ?token= never reaches the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		writeText(w, he.code, he.msg)
	case r.Context().Err() != nil && errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		s.logger.Debug("request canceled by the client", "method", r.Method, "path", r.URL.Path)
	case catalog.IsBadRequest(err):
		writeText(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, catalog.ErrPermissionDenied):
		writeText(w, http.StatusForbidden, err.Error())
	case errors.Is(err, catalog.ErrNotFound):
		writeText(w, http.StatusNotFound, err.Error())
	case errors.Is(err, catalog.ErrRateLimited):
		writeText(w, http.StatusTooManyRequests, err.Error())
	case errors.Is(err, catalog.ErrUnknownDC):
		// Consul answers 500 with this text; consul/api only reports it.
		writeText(w, http.StatusInternalServerError, catalog.ErrUnknownDC.Error())
	case errors.Is(err, catalog.ErrNoLeader), errors.Is(err, catalog.ErrNoServers),
		errors.Is(err, catalog.ErrNotReady):
		writeText(w, http.StatusInternalServerError, err.Error())
	default:
		s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeText(w, http.StatusInternalServerError, err.Error())
	}
}
