package httpapi

import (
	"net/http"
	"time"

	"github.com/concord-dev/concord/acl"
)

// Metrics is the agent's metrics registry as the HTTP API uses it: it
// records every request and serves the two forms of /v1/agent/metrics.
// Safe for concurrent use.
type Metrics interface {
	// HTTPServed records one request; path is the route's pattern.
	HTTPServed(method, path string, code int, took time.Duration)
	// PrometheusHandler serves the Prometheus exposition.
	PrometheusHandler() http.Handler
	// JSON is every metric in Consul's JSON form.
	JSON() (interface{}, error)
}

// agentMetrics serves /v1/agent/metrics: Consul's JSON, or with
// ?format=prometheus the Prometheus exposition. Both need agent:read on
// this agent's node.
func (s *Server) agentMetrics(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.AgentRead(s.cfg.NodeName) }); err != nil {
		return err
	}
	if s.cfg.Metrics == nil {
		writeText(w, http.StatusNotFound, "metrics are not enabled on this agent")
		return nil
	}
	if params(r).Get("format") == "prometheus" {
		s.cfg.Metrics.PrometheusHandler().ServeHTTP(w, r)
		return nil
	}
	out, err := s.cfg.Metrics.JSON()
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// statusRecorder remembers the status code a handler wrote, for the
// request metrics. Unwrap lets http.ResponseController reach the
// connection (flushes, deadlines).
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
