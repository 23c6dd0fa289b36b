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

// writeJSON renders v with status code; ?pretty indents it. The value is
// encoded straight to the connection rather than into a byte slice that
// is then copied. The bytes are json.Marshal's (json.MarshalIndent's plus
// a newline with ?pretty), which is what Consul sends.
func writeJSON(w http.ResponseWriter, r *http.Request, code int, v interface{}) error {
	out := &jsonBody{w: w, code: code}
	newEncoder(out, r, "")
	if err := out.enc.Encode(v); err != nil && !out.started {
		// Nothing was sent yet, so the error can still be answered.
		return fmt.Errorf("encoding the response: %w", err)
	}
	return nil
}

// writeJSONArray renders a JSON array of n elements, asking elem for each
// in turn, so a large list (a recursive KV read) is encoded and sent one
// element at a time instead of being built in memory first. The bytes are
// those writeJSON would send for the whole slice.
func writeJSONArray(w http.ResponseWriter, r *http.Request, code, n int, elem func(i int) interface{}) error {
	if n == 0 {
		return writeJSON(w, r, code, []struct{}{})
	}
	out := &jsonBody{w: w, code: code}
	pretty := hasParam(params(r), "pretty")
	// An element of an indented array is itself indented one level.
	newEncoder(out, r, "    ")
	open, sep, end := "[", ",", "]"
	if pretty {
		open, sep, end = "[\n    ", ",\n    ", "\n]\n"
	}
	for i := 0; i < n; i++ {
		if i == 0 {
			out.pending = open
		} else {
			out.pending = sep
		}
		if err := out.enc.Encode(elem(i)); err != nil {
			if !out.started {
				return fmt.Errorf("encoding the response: %w", err)
			}
			return nil // the client went away; nothing more to send
		}
	}
	_, _ = out.writeString(end)
	return nil
}

// newEncoder sets out's encoder for r: compact, or indented with ?pretty
// (prefix starts every line after the first).
func newEncoder(out *jsonBody, r *http.Request, prefix string) {
	out.enc = json.NewEncoder(out)
	if hasParam(params(r), "pretty") {
		out.enc.SetIndent(prefix, "    ")
		// MarshalIndent adds no newline, but Consul's pretty output ends
		// with one; writeJSONArray writes its own.
		out.keepNewline = prefix == ""
	}
}

// jsonBody is the response body as a json.Encoder sees it. It sends the
// status and Content-Type with the first byte, so an encoding error found
// before that can still become an error response, and it drops the
// newline json.Encoder ends every value with (Encoder writes each value
// with one Write).
type jsonBody struct {
	w           http.ResponseWriter
	code        int
	enc         *json.Encoder
	started     bool
	keepNewline bool
	// pending is written before the next value (array punctuation).
	pending string
}

func (b *jsonBody) Write(p []byte) (int, error) {
	n := len(p)
	if !b.keepNewline && n > 0 && p[n-1] == '\n' {
		p = p[:n-1]
	}
	if b.pending != "" {
		if _, err := b.writeString(b.pending); err != nil {
			return 0, err
		}
		b.pending = ""
	}
	if !b.started {
		b.start()
	}
	if _, err := b.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

func (b *jsonBody) writeString(s string) (int, error) {
	if !b.started {
		b.start()
	}
	return io.WriteString(b.w, s)
}

func (b *jsonBody) start() {
	b.started = true
	startJSON(b.w, b.code)
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
	// Assigned directly: the names are already canonical, and Set would
	// check that again on every read.
	h["X-Consul-Index"] = []string{strconv.FormatUint(index, 10)}
	h["X-Consul-Knownleader"] = []string{strconv.FormatBool(qm.KnownLeader)}
	h["X-Consul-Lastcontact"] = []string{strconv.FormatInt(qm.LastContact.Milliseconds(), 10)}
	h["X-Consul-Effective-Consistency"] = []string{effectiveConsistency(opts)}
	if qm.ResultsFilteredByACLs {
		h.Set("X-Consul-Results-Filtered-By-ACLs", "true")
	}
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
	case errors.Is(err, catalog.ErrPermissionDenied), errors.Is(err, catalog.ErrACLNotFound):
		writeText(w, http.StatusForbidden, err.Error())
	case errors.Is(err, catalog.ErrACLDisabled):
		writeText(w, http.StatusUnauthorized, err.Error())
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
