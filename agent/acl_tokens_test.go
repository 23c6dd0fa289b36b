package agent

import (
	"errors"
	"testing"

	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/catalog"
)

func TestAgentTokens(t *testing.T) {
	cfg := &config.Config{}
	cfg.ACL.Enabled = true
	cfg.ACL.Tokens.Default = "conf-default"
	cfg.ACL.Tokens.AgentRecovery = "conf-recovery"
	a := &Agent{cfg: cfg}

	if got := a.AgentToken("default"); got != "conf-default" {
		t.Errorf("configured default = %q", got)
	}
	for _, kind := range []string{"agent", "acl_agent_token"} {
		if err := a.SetAgentToken(kind, "tok-"+kind); err != nil {
			t.Fatalf("SetAgentToken(%q): %v", kind, err)
		}
	}
	if got := a.AgentToken("agent"); got != "tok-acl_agent_token" {
		t.Errorf("agent token = %q, want the legacy name's, which was set last", got)
	}
	if err := a.SetAgentToken("agent_master", "new-recovery"); err != nil {
		t.Fatal(err)
	}
	if got := a.AgentToken("agent_recovery"); got != "new-recovery" {
		t.Errorf("agent_recovery = %q", got)
	}
	// An empty token set through the API wins over the configuration.
	if err := a.SetAgentToken("default", ""); err != nil {
		t.Fatal(err)
	}
	if got := a.AgentToken("acl_token"); got != "" {
		t.Errorf("cleared default = %q", got)
	}
	if err := a.SetAgentToken("nope", "x"); !catalog.IsBadRequest(err) {
		t.Errorf("unknown kind: %v", err)
	}
	if got := a.AgentToken("nope"); got != "" {
		t.Errorf("unknown kind token = %q", got)
	}

	cfg.ACL.Enabled = false
	if err := a.SetAgentToken("agent", "x"); !errors.Is(err, catalog.ErrACLDisabled) {
		t.Errorf("ACLs off: %v", err)
	}
}
