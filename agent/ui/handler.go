package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Prefix is the path the UI is served under.
const Prefix = "/ui/"

// assets holds the UI's files. embed.FS is read-only, so this is constant
// data, not package state.
//
//go:embed assets
var assets embed.FS

// ContentSecurityPolicy is sent with every UI response. Scripts and styles
// come only from the agent itself (no inline code, no eval), the page talks
// only to its own origin, and no other site may frame it.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentTypes maps the extensions the UI ships to their media types. The
// table is explicit rather than taken from the system's mime database,
// because with nosniff a module script served under any other type does
// not run.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// file is one asset, ready to send.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the embedded UI. It implements http.Handler.
type Handler struct {
	files map[string]file // by path below Prefix; "" is index.html
}

// New loads the embedded assets. It fails only if an asset has an
// extension with no known content type, which is a build mistake.
func New() (*Handler, error) {
	root, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	h := &Handler{files: map[string]file{}}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("ui: asset %s has no known content type", p)
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h.files[p] = file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	index, ok := h.files["index.html"]
	if !ok {
		return nil, fmt.Errorf("ui: index.html is not embedded")
	}
	h.files[""] = index
	return h, nil
}

// ServeHTTP answers GET and HEAD for the assets below Prefix, and 404 for
// any other path, directories included. The UI routes pages in the URL's
// fragment, so no page path needs to fall back to index.html.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	f, found := h.files[name]
	if !ok || !found {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, "no such UI asset: %s", r.URL.Path)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("ETag", f.etag)
	// Revalidate every time: the ETag makes that a 304, and a new binary's
	// assets are picked up at once.
	hdr.Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match != "" && match == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", fmt.Sprint(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
}

// setSecurityHeaders sets what every UI response carries, errors included.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}
