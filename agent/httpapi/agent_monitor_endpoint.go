package httpapi

import (
	"net/http"
	"strings"

	"github.com/concord-dev/concord/acl"
	"github.com/hashicorp/go-hclog"
)

// LogStreams opens subscriptions to the agent's log (agent/monitor).
// Subscribe never blocks logging: a subscriber that reads too slowly
// loses lines, which stop counts. Safe for concurrent use.
type LogStreams interface {
	Subscribe(level hclog.Level, json bool) (lines <-chan []byte, stop func() (dropped uint64))
}

// agentMonitor streams the agent's log (GET /v1/agent/monitor,
// ?loglevel= default info, ?logjson for JSON lines) until the client
// goes away, flushing every line. It needs agent:read on this agent.
func (s *Server) agentMonitor(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.AgentRead(s.cfg.NodeName) }); err != nil {
		return err
	}
	if s.cfg.Logs == nil {
		writeText(w, http.StatusNotFound, "this agent's log cannot be monitored")
		return nil
	}
	q := params(r)
	name := q.Get("loglevel")
	if name == "" {
		name = "info"
	}
	level := hclog.LevelFromString(strings.ToLower(name))
	if level == hclog.NoLevel || level == hclog.Off {
		return badRequest("Unknown log level: %s", name)
	}
	lines, stop := s.cfg.Logs.Subscribe(level, boolParam(q, "logjson"))
	defer func() {
		if dropped := stop(); dropped > 0 {
			s.logger.Warn("monitor: the client read too slowly; lines were dropped", "dropped", dropped)
		}
	}()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	// The status goes out now, so the client knows the stream is open
	// before the first line is logged.
	if err := rc.Flush(); err != nil {
		return nil
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if _, err := w.Write(line); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}
