package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func newHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestIndexIsEmbedded(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/ui/", "/ui/index.html"} {
		resp, body := get(t, h, "GET", p, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		if !strings.Contains(body, `<script type="module" src="js/main.js">`) || !strings.Contains(body, `id="main"`) {
			t.Errorf("GET %s: not the UI's index.html: %.200s", p, body)
		}
	}
}

func TestContentTypes(t *testing.T) {
	h := newHandler(t)
	for path, want := range map[string]string{
		"/ui/":                  "text/html; charset=utf-8",
		"/ui/js/main.js":        "text/javascript; charset=utf-8",
		"/ui/js/pages/kv.js":    "text/javascript; charset=utf-8",
		"/ui/css/app.css":       "text/css; charset=utf-8",
		"/ui/favicon.svg":       "image/svg+xml",
		"/ui/js/pages/token.js": "text/javascript; charset=utf-8",
		"/ui/js/pages/raft.js":  "text/javascript; charset=utf-8",
		"/ui/js/datacenters.js": "text/javascript; charset=utf-8",
	} {
		resp, body := get(t, h, "GET", path, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want {
			t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
		if resp.Header.Get("Content-Length") == "" || len(body) == 0 {
			t.Errorf("GET %s: empty body or no Content-Length", path)
		}
	}
}

// Every module main.js imports, directly or not, must be embedded: a
// missing one would only show as a blank page in a browser.
func TestModuleImportsResolve(t *testing.T) {
	h := newHandler(t)
	for name, f := range h.files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		for _, line := range strings.Split(string(f.body), "\n") {
			_, rest, ok := strings.Cut(line, " from '")
			if !ok || !strings.HasPrefix(line, "import ") {
				continue
			}
			rel, _, _ := strings.Cut(rest, "'")
			dir := name[:strings.LastIndex(name, "/")+1]
			target := resolve(dir, rel)
			if _, ok := h.files[target]; !ok {
				t.Errorf("%s imports %s (%s), which is not embedded", name, rel, target)
			}
		}
	}
}

// resolve joins a relative module specifier to the importing file's folder.
func resolve(dir, rel string) string {
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	if dir == "" {
		parts = nil
	}
	for _, p := range strings.Split(rel, "/") {
		switch p {
		case ".":
		case "..":
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

func TestUnknownAssetIs404(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/ui/nope.js", "/ui/js/", "/ui/js", "/ui/services", "/elsewhere", "/ui/../go.mod"} {
		resp, body := get(t, h, "GET", p, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("GET %s: 404 as %q", p, ct)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: 404 without the security headers", p)
		}
		_ = body
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHandler(t)
	resp, _ := get(t, h, "GET", "/ui/", nil)
	for k, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": ContentSecurityPolicy,
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows unsafe sources", csp)
	}
}

// The CSP forbids inline script and style, so no asset may carry any.
func TestNoInlineCode(t *testing.T) {
	h := newHandler(t)
	index := string(h.files["index.html"].body)
	for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onload="} {
		if strings.Contains(index, bad) {
			t.Errorf("index.html contains %q, which the CSP blocks", bad)
		}
	}
	for name, f := range h.files {
		if strings.HasSuffix(name, ".js") && strings.Contains(string(f.body), "innerHTML") {
			t.Errorf("%s uses innerHTML; build elements instead", name)
		}
	}
}

func TestETagRevalidation(t *testing.T) {
	h := newHandler(t)
	resp, _ := get(t, h, "GET", "/ui/css/app.css", nil)
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
	}
	resp, body := get(t, h, "GET", "/ui/css/app.css", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	resp, body = get(t, h, "HEAD", "/ui/", nil)
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD: %d with %d bytes", resp.StatusCode, len(body))
	}
}
