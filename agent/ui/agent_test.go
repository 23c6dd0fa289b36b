package ui_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/ui"
)

// An agent serves the UI only when it is enabled, and its /v1/ API is the
// same either way.
func TestAgentServesUIOnlyWhenEnabled(t *testing.T) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		resp, err := noRedirect.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	_, on, _ := agenttest.StartDevWith(t, func(c *config.Config) { c.UI = true })
	resp, _ := get("http://" + on + "/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("GET / with the UI on: %d to %q, want 302 to /ui/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := get("http://" + on + "/ui/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "js/main.js") {
		t.Errorf("GET /ui/: %d %.100q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != ui.ContentSecurityPolicy {
		t.Errorf("GET /ui/: CSP %q", got)
	}
	if resp, _ := get("http://" + on + "/ui/js/main.js"); resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("main.js served as %q", resp.Header.Get("Content-Type"))
	}
	if resp, _ := get("http://" + on + "/ui/missing.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /ui/missing.js: %d, want 404", resp.StatusCode)
	}

	_, off, _ := agenttest.StartDev(t)
	for _, p := range []string{"/", "/ui", "/ui/", "/ui/js/main.js"} {
		if resp, _ := get("http://" + off + p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with the UI off: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := get("http://" + off + "/v1/status/leader"); resp.StatusCode != http.StatusOK {
		t.Errorf("the API with the UI off: %d", resp.StatusCode)
	}
}
