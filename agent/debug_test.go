package agent_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

func pprofStatus(t *testing.T, addr, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestEnableDebug: pprof is served only with enable_debug, and behind
// operator:read once ACLs are on.
func TestEnableDebug(t *testing.T) {
	_, on, _ := agenttest.StartDevWith(t, func(cfg *config.Config) { cfg.EnableDebug = true })
	if got := pprofStatus(t, on, ""); got != http.StatusOK {
		t.Fatalf("with enable_debug: %d, want 200", got)
	}
	_, off, _ := agenttest.StartDev(t)
	if got := pprofStatus(t, off, ""); got != http.StatusNotFound {
		t.Fatalf("without enable_debug: %d, want 404", got)
	}

	_, acl, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.EnableDebug = true
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = rootToken
	})
	agenttest.WaitFor(t, 10*time.Second, "the management token works", func() error {
		if got := pprofStatus(t, acl, rootToken); got != http.StatusOK {
			return fmt.Errorf("status %d", got)
		}
		return nil
	})
	if got := pprofStatus(t, acl, ""); got != http.StatusForbidden {
		t.Fatalf("anonymous with default deny: %d, want 403", got)
	}
}
