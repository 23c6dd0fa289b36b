package agent

import (
	"fmt"
	"sync"

	"github.com/concord-dev/concord/catalog"
)

// agentTokens holds the agent's own ACL tokens set through the API; a kind
// never set there falls back to the configuration's acl.tokens. The
// tokens are secrets: never logged.
type agentTokens struct {
	mu  sync.Mutex
	set map[string]string // canonical kind -> token; guarded by mu
}

// tokenKinds maps every name PUT /v1/agent/token/:kind accepts, current
// and legacy, to its canonical kind.
var tokenKinds = map[string]string{
	"default":                          "default",
	"acl_token":                        "default",
	"agent":                            "agent",
	"acl_agent_token":                  "agent",
	"agent_recovery":                   "agent_recovery",
	"agent_master":                     "agent_recovery",
	"acl_agent_master_token":           "agent_recovery",
	"replication":                      "replication",
	"acl_replication_token":            "replication",
	"dns":                              "dns",
	"config_file_service_registration": "config_file_service_registration",
}

// SetAgentToken replaces one of the agent's tokens: until the agent stops,
// or for good with acl.enable_token_persistence (saved in the data
// directory). ACLs off: catalog.ErrACLDisabled; an unknown kind: a bad
// request.
func (a *Agent) SetAgentToken(kind, token string) error {
	if !a.cfg.ACL.Enabled {
		return catalog.ErrACLDisabled
	}
	canonical, ok := tokenKinds[kind]
	if !ok {
		return catalog.BadRequestf(fmt.Sprintf("Token %q is unknown", kind))
	}
	a.tokens.mu.Lock()
	defer a.tokens.mu.Unlock()
	if a.tokens.set == nil {
		a.tokens.set = map[string]string{}
	}
	a.tokens.set[canonical] = token
	if err := a.persistTokensLocked(); err != nil {
		return fmt.Errorf("the token is in use but could not be saved for the next start: %w", err)
	}
	return nil
}

// AgentToken returns the agent's token of a kind (any name SetAgentToken
// accepts): the one set through the API, else the configured one, else "".
func (a *Agent) AgentToken(kind string) string {
	canonical, ok := tokenKinds[kind]
	if !ok {
		return ""
	}
	a.tokens.mu.Lock()
	t, set := a.tokens.set[canonical]
	a.tokens.mu.Unlock()
	if set {
		return t
	}
	conf := a.cfg.ACL.Tokens
	switch canonical {
	case "default":
		return conf.Default
	case "agent":
		return conf.Agent
	case "agent_recovery":
		return conf.AgentRecovery
	case "replication":
		return conf.Replication
	case "dns":
		return conf.DNS
	}
	return ""
}

// ownToken is the token the agent acts with on its own behalf (its
// coordinate, its certificate): the agent token, else the default one,
// as in Consul.
func (a *Agent) ownToken() string {
	if t := a.AgentToken("agent"); t != "" {
		return t
	}
	return a.AgentToken("default")
}
