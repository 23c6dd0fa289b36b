package httpapi

import (
	"io"
	"net/http"
)

// uiPage is served on / and /ui/ until the web UI arrives.
const uiPage = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>concord</title></head>
<body><p>concord: web UI arrives later</p></body>
</html>
`

// uiPlaceholder answers GET /, /ui and /ui/... when the UI is enabled. When
// it is not, those paths are not routed and answer 404.
func (s *Server) uiPlaceholder(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, uiPage)
	return nil
}
