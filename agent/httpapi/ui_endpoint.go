package httpapi

import (
	"net/http"
)

// uiPrefix is where Config.UI is mounted.
const uiPrefix = "/ui/"

// methodsUI are a static file server's methods.
var methodsUI = []string{http.MethodGet, http.MethodHead}

// uiRoutes mount the web UI: its assets under /ui/, and redirects from /
// and /ui to /ui/. With no UI configured none of them exist, and those
// paths answer 404 like any unknown path.
func (s *Server) uiRoutes() []route {
	if s.cfg.UI == nil {
		return nil
	}
	serve := func(w http.ResponseWriter, r *http.Request) error {
		s.cfg.UI.ServeHTTP(w, r)
		return nil
	}
	return []route{
		{"/", methodsUI, s.uiRedirect},
		{"/ui", methodsUI, s.uiRedirect},
		{uiPrefix, methodsUI, serve},
	}
}

// uiRedirect sends / and /ui to /ui/, keeping the query. It is a 302, not
// Consul's 301: a browser caches a 301 for good, and / would go on
// redirecting to a UI that a later restart turned off.
func (s *Server) uiRedirect(w http.ResponseWriter, r *http.Request) error {
	target := uiPrefix
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", target)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusFound)
	return nil
}
