package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// requestToken returns the ACL token a request carries: ?token= first, then
// the X-Consul-Token header, then "Authorization: Bearer", the order Consul
// reads them in. The token is never logged.
func requestToken(r *http.Request) string {
	if t := params(r).Get("token"); t != "" {
		return t
	}
	if t := r.Header.Get("X-Consul-Token"); t != "" {
		return t
	}
	if auth := strings.TrimSpace(r.Header.Get("Authorization")); auth != "" {
		scheme, rest, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// datacenter is ?dc=, or the local datacenter when it is absent.
func (s *Server) datacenter(r *http.Request) string {
	if dc := params(r).Get("dc"); dc != "" {
		return dc
	}
	return s.cfg.Datacenter
}

// writeRequest fills the fields every write carries.
func (s *Server) writeRequest(r *http.Request) catalog.WriteRequest {
	return catalog.WriteRequest{Datacenter: s.datacenter(r), Token: requestToken(r)}
}

// queryOptions parses a read's options: datacenter, token, ?stale,
// ?consistent, ?filter, and for a blocking endpoint ?index and ?wait. A
// non-blocking endpoint still rejects malformed ?index and ?wait values
// but does not pass them on.
func (s *Server) queryOptions(r *http.Request, blocking bool) (catalog.QueryOptions, error) {
	q := params(r)
	opts := catalog.QueryOptions{Datacenter: s.datacenter(r), Token: requestToken(r)}

	stale, consistent := hasParam(q, "stale"), hasParam(q, "consistent")
	if stale && consistent {
		return opts, badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.")
	}
	opts.AllowStale, opts.RequireConsistent = stale, consistent

	// ?filter is evaluated by the server that answers; endpoints that
	// do not filter ignore it, as Consul's do.
	opts.Filter = q.Get("filter")
	// ?near sorts node and instance lists by estimated round trip from
	// a node; "_agent" is this agent's.
	opts.Near = q.Get("near")
	if opts.Near == "_agent" {
		opts.Near = s.cfg.NodeName
	}
	if v := q.Get("index"); v != "" {
		idx, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return opts, badRequest("Invalid index")
		}
		opts.MinQueryIndex = idx
	}
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return opts, badRequest("Invalid wait time")
		}
		if d > s.cfg.MaxWait {
			d = s.cfg.MaxWait
		}
		opts.MaxQueryTime = d
	}
	if !blocking {
		opts.MinQueryIndex, opts.MaxQueryTime = 0, 0
		return opts, nil
	}
	if opts.MinQueryIndex > 0 && opts.MaxQueryTime == 0 {
		opts.MaxQueryTime = s.cfg.DefaultWait
	}
	return opts, nil
}

// params is r's parsed query string. ServeHTTP parses it once into r.Form
// (net/http's field for parsed form data, the URL's query included), so
// the handler, the option parsers and the encoders that each look at it
// do not parse it again: that parsing was 7 % of a follower's CPU under
// KV reads. r.ParseForm is never called, so a body is never read as a
// form.
func params(r *http.Request) url.Values {
	if r.Form != nil {
		return r.Form
	}
	return r.URL.Query()
}

// hasParam reports whether a query parameter is present, valued or not
// (Consul treats "?recurse" and "?recurse=true" alike).
func hasParam(q url.Values, name string) bool {
	_, ok := q[name]
	return ok
}

// uintParam parses an optional unsigned query parameter; a present but
// malformed value is a 400 naming the parameter.
func uintParam(q url.Values, name string) (uint64, bool, error) {
	if !hasParam(q, name) {
		return 0, false, nil
	}
	v, err := strconv.ParseUint(q.Get(name), 10, 64)
	if err != nil {
		return 0, true, badRequest("Invalid %s: %q is not an unsigned integer", name, q.Get(name))
	}
	return v, true, nil
}

// readJSON decodes a request body of at most limit bytes into v: 413 when
// it is larger, 400 when it is not one valid JSON value (whitespace may
// follow it, nothing else).
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v interface{}) error {
	if r.ContentLength > limit {
		return bodyTooLarge(limit)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if err := dec.Decode(v); err != nil {
		if errors.As(err, &mbe) {
			return bodyTooLarge(limit)
		}
		return badRequest("Request decode failed: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if errors.As(err, &mbe) {
			return bodyTooLarge(limit)
		}
		return badRequest("Request decode failed: trailing data after JSON object")
	}
	return nil
}

func bodyTooLarge(limit int64) error {
	return &httpError{code: http.StatusRequestEntityTooLarge,
		msg: "Request body too large, max size: " + strconv.FormatInt(limit, 10) + " bytes"}
}

// nodeMetaFilter collects ?node-meta=key:value pairs; a node matches when
// it has every pair.
func nodeMetaFilter(q url.Values) map[string]string {
	vals := q["node-meta"]
	if len(vals) == 0 {
		return nil
	}
	filter := make(map[string]string, len(vals))
	for _, v := range vals {
		k, val, _ := strings.Cut(v, ":")
		filter[k] = val
	}
	return filter
}

// metaMatches reports whether meta holds every pair of filter.
func metaMatches(meta, filter map[string]string) bool {
	for k, v := range filter {
		got, ok := meta[k]
		if !ok || got != v {
			return false
		}
	}
	return true
}
