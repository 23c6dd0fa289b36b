package agent_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

const rootToken = "3b2a1c5e-8f21-4f0e-9d61-0c4f2f7a9e10"

// startACLDev starts a dev agent with ACLs on, default deny, and a known
// initial management token; it returns a management client and a
// function making clients for other tokens.
func startACLDev(t *testing.T) (*api.Client, func(token string) *api.Client) {
	t.Helper()
	return startACLDevWith(t, nil)
}

// startACLDevWith is startACLDev with tune applied to the configuration
// first; tune may be nil.
func startACLDevWith(t *testing.T, tune func(*config.Config)) (*api.Client, func(token string) *api.Client) {
	t.Helper()
	_, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = rootToken
		if tune != nil {
			tune(cfg)
		}
	})
	client := func(token string) *api.Client {
		c, err := api.NewClient(&api.Config{Address: addr, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	root := client(rootToken)
	agenttest.WaitFor(t, 10*time.Second, "the management token works", func() error {
		_, _, err := root.ACL().TokenReadSelf(nil)
		return err
	})
	return root, client
}

// tokenWith creates a policy from rules and a token holding it.
func tokenWith(t *testing.T, root *api.Client, name, rules string) string {
	t.Helper()
	p, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: name, Rules: rules}, nil)
	if err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	tok, _, err := root.ACL().TokenCreate(&api.ACLToken{Description: name, Policies: []*api.ACLTokenPolicyLink{{ID: p.ID}}}, nil)
	if err != nil {
		t.Fatalf("create token %s: %v", name, err)
	}
	return tok.SecretID
}

func isForbidden(err error) bool { return err != nil && strings.Contains(err.Error(), "403") }

func TestACLDefaultDenyAndKeyPrefix(t *testing.T) {
	root, client := startACLDev(t)
	for _, k := range []string{"app/x", "app/y", "other/x"} {
		if _, err := root.KV().Put(&api.KVPair{Key: k, Value: []byte(k)}, nil); err != nil {
			t.Fatal(err)
		}
	}

	anon := client("")
	if _, _, err := anon.KV().Get("app/x", nil); !isForbidden(err) {
		t.Fatalf("anonymous read under default deny: %v", err)
	}
	if pairs, _, err := anon.KV().List("", nil); err != nil || len(pairs) != 0 {
		t.Fatalf("anonymous recursive read: %d pairs, %v", len(pairs), err)
	}
	if _, err := anon.KV().Put(&api.KVPair{Key: "app/z"}, nil); !isForbidden(err) {
		t.Fatalf("anonymous write: %v", err)
	}

	app := client(tokenWith(t, root, "app-writer", `key_prefix "app/" { policy = "write" }`))
	if _, err := app.KV().Put(&api.KVPair{Key: "app/new", Value: []byte("v")}, nil); err != nil {
		t.Fatalf("write under app/: %v", err)
	}
	if _, err := app.KV().Put(&api.KVPair{Key: "other/x", Value: []byte("v")}, nil); !isForbidden(err) {
		t.Fatalf("write to other/x: %v", err)
	}
	pairs, meta, err := app.KV().List("", nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range pairs {
		keys = append(keys, p.Key)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "app/new,app/x,app/y" {
		t.Fatalf("recursive read of \"\" with an app/ token: %v", keys)
	}
	if !meta.ResultsFilteredByACLs {
		t.Fatal("X-Consul-Results-Filtered-By-ACLs not set on a filtered list")
	}
	if _, err := app.KV().DeleteTree("", nil); !isForbidden(err) {
		t.Fatalf("delete-tree of everything with an app/ token: %v", err)
	}
	if _, _, err := client("00000000-0000-0000-0000-0000000000ff").KV().Get("app/x", nil); !isForbidden(err) {
		t.Fatalf("unknown token: %v", err)
	}
}

func TestACLServiceRules(t *testing.T) {
	root, client := startACLDev(t)
	web := client(tokenWith(t, root, "web-writer", `service "web" { policy = "write" }`))
	if err := web.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Port: 80}); err != nil {
		t.Fatalf("register web with a web token: %v", err)
	}
	if err := web.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "db", Port: 5432}); !isForbidden(err) {
		t.Fatalf("register db with a web token: %v", err)
	}
	if _, err := web.Catalog().Register(&api.CatalogRegistration{Node: "ext", Address: "10.0.0.9",
		Service: &api.AgentService{Service: "db"}}, nil); !isForbidden(err) {
		t.Fatalf("catalog register of db on a new node with a web token: %v", err)
	}
	if err := root.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "db", Port: 5432}); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "both services in the catalog", func() error {
		svcs, _, err := root.Catalog().Services(nil)
		if err == nil && (svcs["web"] == nil || svcs["db"] == nil) {
			err = fmt.Errorf("catalog has %v", svcs)
		}
		return err
	})
	svcs, meta, err := web.Catalog().Services(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := svcs["db"]; ok || !meta.ResultsFilteredByACLs {
		t.Fatalf("a web-only token listed %v (filtered=%v)", svcs, meta.ResultsFilteredByACLs)
	}
	local, err := web.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := local["db"]; ok {
		t.Fatalf("agent services shown to a web-only token: %v", local)
	}
}

func TestACLBootstrapOnce(t *testing.T) {
	_, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
	})
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	var tok *api.ACLToken
	agenttest.WaitFor(t, 10*time.Second, "bootstrap", func() error {
		tok, _, err = c.ACL().Bootstrap()
		return err
	})
	if tok.SecretID == "" || len(tok.Policies) != 1 || tok.Policies[0].Name != "global-management" {
		t.Fatalf("bootstrap token %+v", tok)
	}
	_, _, err = c.ACL().Bootstrap()
	if !isForbidden(err) || !strings.Contains(err.Error(), "reset index") {
		t.Fatalf("second bootstrap: %v", err)
	}
	mgmt, _ := api.NewClient(&api.Config{Address: addr, Token: tok.SecretID})
	if _, err := mgmt.KV().Put(&api.KVPair{Key: "any", Value: []byte("x")}, nil); err != nil {
		t.Fatalf("management token write: %v", err)
	}
}

func TestACLDisabled(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	if _, _, err := c.ACL().Bootstrap(); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bootstrap with ACLs off: %v", err)
	}
}

// TestACLClientRoundTrip drives the Consul Go client's ACL API.
func TestACLClientRoundTrip(t *testing.T) {
	root, client := startACLDev(t)
	a := root.ACL()
	p, _, err := a.PolicyCreate(&api.ACLPolicy{Name: "reader", Description: "reads", Rules: `key_prefix "" { policy = "read" }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.PolicyCreate(&api.ACLPolicy{Name: "bad", Rules: `key_prefix "" { policy = "writ" }`}, nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("policy with a bad rule: %v", err)
	}
	p.Description = "reads everything"
	if _, _, err := a.PolicyUpdate(p, nil); err != nil {
		t.Fatal(err)
	}
	if got, _, err := a.PolicyReadByName("reader", nil); err != nil || got.Description != "reads everything" {
		t.Fatalf("policy by name: %+v %v", got, err)
	}
	role, _, err := a.RoleCreate(&api.ACLRole{Name: "readers", Policies: []*api.ACLRolePolicyLink{{Name: "reader"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.TokenCreate(&api.ACLToken{Description: "via role", Roles: []*api.ACLTokenRoleLink{{ID: role.ID}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client(tok.SecretID).KV().List("", nil); err != nil {
		t.Fatalf("read through the role's policy: %v", err)
	}
	if _, err := client(tok.SecretID).KV().Put(&api.KVPair{Key: "x"}, nil); !isForbidden(err) {
		t.Fatalf("write with a read-only role: %v", err)
	}
	clone, _, err := a.TokenClone(tok.AccessorID, "a clone", nil)
	if err != nil || clone.AccessorID == tok.AccessorID || len(clone.Roles) != 1 {
		t.Fatalf("clone: %+v %v", clone, err)
	}
	list, _, err := a.TokenList(nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range list {
		seen[e.AccessorID] = true
	}
	if !seen[tok.AccessorID] || !seen[clone.AccessorID] || !seen["00000000-0000-0000-0000-000000000002"] {
		t.Fatalf("token list misses tokens: %v", seen)
	}
	// A token without acl:read cannot list tokens or see secrets.
	if _, _, err := client(tok.SecretID).ACL().TokenList(nil); !isForbidden(err) {
		t.Fatalf("token list without acl:read: %v", err)
	}
	if _, err := a.TokenDelete(clone.AccessorID, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenRead(clone.AccessorID, nil); !isForbidden(err) {
		t.Fatalf("read of a deleted token: %v", err)
	}
	if _, err := a.RoleDelete(role.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PolicyDelete(p.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PolicyDelete("00000000-0000-0000-0000-000000000001", nil); err == nil {
		t.Fatal("the global-management policy was deleted")
	}
	// The token lost its role: it reads nothing now.
	if pairs, _, err := client(tok.SecretID).KV().List("", nil); err != nil || len(pairs) != 0 {
		t.Fatalf("after the role went: %d pairs, %v", len(pairs), err)
	}
}

// TestACLOnClientAgent: a client agent resolves tokens through a server.
func TestACLOnClientAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, clis := agenttest.StartClusterWith(t, 1, 1, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = rootToken
		cfg.ACL.Tokens.Agent = rootToken
	})
	root, _ := api.NewClient(&api.Config{Address: srvs[0].HTTPAddrs()[0].String(), Token: rootToken})
	secret := tokenWith(t, root, "app-on-client", `key_prefix "app/" { policy = "write" }`)
	c, _ := api.NewClient(&api.Config{Address: clis[0].HTTPAddrs()[0].String(), Token: secret})
	if _, err := c.KV().Put(&api.KVPair{Key: "app/1", Value: []byte("v")}, nil); err != nil {
		t.Fatalf("write through the client agent: %v", err)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "other/1"}, nil); !isForbidden(err) {
		t.Fatalf("forbidden write through the client agent: %v", err)
	}
	// The client agent checks its own endpoints with the resolved token.
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web"}); !isForbidden(err) {
		t.Fatalf("service register without service:write on a client agent: %v", err)
	}
	rc, _ := api.NewClient(&api.Config{Address: clis[0].HTTPAddrs()[0].String(), Token: rootToken})
	if err := rc.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "the client's service synced with its tokens", func() error {
		svcs, _, err := root.Catalog().Service("web", "", nil)
		if err == nil && len(svcs) != 1 {
			err = fmt.Errorf("%d instances", len(svcs))
		}
		return err
	})
}

// TestAgentTokenPersistence: with acl.enable_token_persistence a token set
// through /v1/agent/token comes back after a restart; without, it does not.
func TestAgentTokenPersistence(t *testing.T) {
	if testing.Short() {
		t.Skip("restart test skipped in -short mode")
	}
	for _, persist := range []bool{true, false} {
		t.Run(fmt.Sprintf("persist=%v", persist), func(t *testing.T) {
			cfg := agenttest.DevConfig()
			cfg.DevMode = false
			cfg.DataDir = t.TempDir()
			cfg.ACL.Enabled = true
			cfg.ACL.DefaultPolicy = "deny"
			cfg.ACL.Tokens.InitialManagement = rootToken
			cfg.ACL.EnableTokenPersistence = persist
			start := func() *agent.Agent {
				a, err := agent.New(cfg, hclog.NewNullLogger())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { a.Shutdown() })
				return a
			}
			a := start()
			c, _ := api.NewClient(&api.Config{Address: a.HTTPAddrs()[0].String(), Token: rootToken})
			agenttest.WaitFor(t, 10*time.Second, "the agent answers", func() error {
				_, err := c.Agent().UpdateDefaultACLToken("d1e2f3a4-0000-4000-8000-000000000001", nil)
				return err
			})
			a.Shutdown()
			a = start()
			got := a.AgentToken("default")
			if persist && got != "d1e2f3a4-0000-4000-8000-000000000001" {
				t.Fatalf("persisted default token after restart: %q", got)
			}
			if !persist && got != "" {
				t.Fatalf("token kept across a restart without persistence: %q", got)
			}
		})
	}
}
