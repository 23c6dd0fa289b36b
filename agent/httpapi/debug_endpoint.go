package httpapi

import (
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/concord-dev/concord/acl"
)

// debugPprof serves net/http/pprof under /debug/pprof/ when the agent
// runs with enable_debug. It needs operator:read, which every token has
// while ACLs are off.
func (s *Server) debugPprof(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.OperatorRead() }); err != nil {
		return err
	}
	switch strings.TrimPrefix(r.URL.Path, "/debug/pprof/") {
	case "cmdline":
		pprof.Cmdline(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		// The index page, and every named profile (goroutine, heap, ...)
		// by the last element of the path.
		pprof.Index(w, r)
	}
	return nil
}
