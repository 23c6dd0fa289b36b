package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/catalog"
)

func TestACLBootstrap(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	tok, _, err := client.ACL().Bootstrap()
	if err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	if tok.SecretID == "" || tok.AccessorID == "" || len(tok.Policies) != 1 || tok.Policies[0].Name != "global-management" {
		t.Errorf("bootstrap token %+v", tok)
	}
	if !tok.CreateTime.Equal(fakeNow) {
		t.Errorf("CreateTime %v", tok.CreateTime)
	}

	resp, body := do(t, ts, "PUT", "/v1/acl/bootstrap", nil)
	expectStatus(t, resp, body, http.StatusForbidden)
	if !strings.HasPrefix(body, "Permission denied: ") || !strings.Contains(body, "(reset index: 11)") {
		t.Errorf("second bootstrap body %q", body)
	}
	if _, _, err := client.ACL().Bootstrap(); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("second Bootstrap: %v", err)
	}

	// The legacy ID field is the secret; a given secret is passed on.
	fa.mu.Lock()
	fa.acl.bootstrapped = 0
	fa.mu.Unlock()
	resp, body = do(t, ts, "PUT", "/v1/acl/bootstrap", strings.NewReader(`{"BootstrapSecret":"my-secret"}`))
	expectStatus(t, resp, body, http.StatusOK)
	if !strings.HasPrefix(body, `{"ID":"my-secret","AccessorID":`) {
		t.Errorf("bootstrap with secret: %s", body)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/bootstrap", nil)
	expectStatus(t, resp, body, http.StatusMethodNotAllowed)
}

func TestACLDisabledAnswers401(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	fa.acl.disabled = true
	for _, c := range []struct{ method, path string }{
		{"PUT", "/v1/acl/bootstrap"}, {"GET", "/v1/acl/tokens"}, {"GET", "/v1/acl/policies"},
		{"GET", "/v1/acl/token/self"}, {"GET", "/v1/acl/role/x"},
	} {
		resp, body := do(t, ts, c.method, c.path, nil)
		expectStatus(t, resp, body, http.StatusUnauthorized)
		if body != "ACL support disabled" {
			t.Errorf("%s %s: %q", c.method, c.path, body)
		}
	}
	if _, err := client.Agent().UpdateAgentACLToken("x", nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("agent token with ACLs off: %v", err)
	}
}

func TestACLTokenCRUD(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	acl := client.ACL()
	pol, _, err := acl.PolicyCreate(&api.ACLPolicy{Name: "web", Rules: `service "web" { policy = "write" }`}, nil)
	if err != nil {
		t.Fatalf("PolicyCreate: %v", err)
	}

	created, _, err := acl.TokenCreate(&api.ACLToken{
		Description:       "web token",
		Policies:          []*api.ACLTokenPolicyLink{{Name: "web"}},
		ServiceIdentities: []*api.ACLServiceIdentity{{ServiceName: "api", Datacenters: []string{"dc1"}}},
		NodeIdentities:    []*api.ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}},
		ExpirationTTL:     time.Hour,
	}, &api.WriteOptions{Token: "root"})
	if err != nil {
		t.Fatalf("TokenCreate: %v", err)
	}
	args := fa.lastCall(catalog.MethodACLTokenSet).(*catalog.ACLRequest)
	if !args.Create || args.WriteRequest.Token != "root" || args.Token.ExpirationTTL != time.Hour || args.Token.Policies[0].Name != "web" {
		t.Errorf("create args %+v token %+v", args, args.Token)
	}
	if created.Policies[0].ID != pol.ID || created.ExpirationTime == nil || !created.ExpirationTime.Equal(fakeNow.Add(time.Hour)) {
		t.Errorf("created %+v", created)
	}

	// ExpirationTTL may also be a duration string, as Consul accepts it.
	resp, body := do(t, ts, "PUT", "/v1/acl/token", strings.NewReader(`{"Description":"s","ExpirationTTL":"30m","AccessorID":"aaaaaaaa-0000-4000-8000-000000000000"}`))
	expectStatus(t, resp, body, http.StatusOK)
	if got := fa.lastCall(catalog.MethodACLTokenSet).(*catalog.ACLRequest).Token; got.ExpirationTTL != 30*time.Minute || got.AccessorID != "aaaaaaaa-0000-4000-8000-000000000000" {
		t.Errorf("string TTL args %+v", got)
	}
	resp, body = do(t, ts, "PUT", "/v1/acl/token", strings.NewReader(`{"ExpirationTTL":"soon"}`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "PUT", "/v1/acl/token", strings.NewReader(`{"Description":`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if !strings.HasPrefix(body, "Token decoding failed: ") {
		t.Errorf("bad body answer %q", body)
	}

	read, qm, err := acl.TokenRead(created.AccessorID, &api.QueryOptions{WaitIndex: 3, WaitTime: time.Second})
	if err != nil {
		t.Fatalf("TokenRead: %v", err)
	}
	if read.SecretID != created.SecretID || read.Description != "web token" || qm.LastIndex == 0 {
		t.Errorf("read %+v meta %+v", read, qm)
	}
	if ra := fa.lastCall(catalog.MethodACLTokenRead).(*catalog.ACLReadRequest); ra.MinQueryIndex != 3 || ra.MaxQueryTime != time.Second || ra.ID != created.AccessorID || ra.BySecret {
		t.Errorf("read args %+v", ra)
	}

	self, _, err := acl.TokenReadSelf(&api.QueryOptions{Token: created.SecretID})
	if err != nil || self.AccessorID != created.AccessorID {
		t.Errorf("TokenReadSelf: %+v %v", self, err)
	}

	// Update: the path names the token; a different body AccessorID is refused.
	read.Description = "renamed"
	read.Policies = nil
	updated, _, err := acl.TokenUpdate(read, nil)
	if err != nil || updated.Description != "renamed" || len(updated.Policies) != 0 || updated.SecretID != created.SecretID {
		t.Errorf("TokenUpdate: %+v %v", updated, err)
	}
	if args := fa.lastCall(catalog.MethodACLTokenSet).(*catalog.ACLRequest); args.Create || args.Token.AccessorID != created.AccessorID {
		t.Errorf("update args %+v", args)
	}
	resp, body = do(t, ts, "PUT", "/v1/acl/token/"+created.AccessorID, strings.NewReader(`{"AccessorID":"other"}`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if body != "Token Accessor ID in URL and payload do not match" {
		t.Errorf("mismatch body %q", body)
	}
	resp, body = do(t, ts, "PUT", "/v1/acl/token/"+created.AccessorID, strings.NewReader(`{"Description":"no id"}`))
	expectStatus(t, resp, body, http.StatusOK)

	clone, _, err := acl.TokenClone(created.AccessorID, "the clone", nil)
	if err != nil || clone.Description != "the clone" || clone.AccessorID == created.AccessorID {
		t.Errorf("TokenClone: %+v %v", clone, err)
	}
	if args := fa.lastCall(catalog.MethodACLTokenClone).(*catalog.ACLRequest); args.ID != created.AccessorID {
		t.Errorf("clone args %+v", args)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/token/"+created.AccessorID+"/clone", nil)
	expectStatus(t, resp, body, http.StatusMethodNotAllowed)

	list, _, err := acl.TokenList(nil)
	if err != nil || len(list) != 3 {
		t.Fatalf("TokenList: %d %v", len(list), err)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/tokens", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "SecretID") {
		t.Errorf("list shows secrets the server did not send: %s", body)
	}
	if resp.Header.Get("X-Consul-Index") == "" {
		t.Errorf("list without X-Consul-Index")
	}
	if _, _, err := acl.TokenListFiltered(api.ACLTokenFilterOptions{Policy: pol.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if la := fa.lastCall(catalog.MethodACLTokenList).(*catalog.ACLListRequest); la.Policy != pol.ID {
		t.Errorf("list args %+v", la)
	}

	if _, err := acl.TokenDelete(clone.AccessorID, nil); err != nil {
		t.Fatalf("TokenDelete: %v", err)
	}
	resp, body = do(t, ts, "DELETE", "/v1/acl/token/"+clone.AccessorID, nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != "true" {
		t.Errorf("delete body %q", body)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/token/"+clone.AccessorID, nil)
	expectStatus(t, resp, body, http.StatusForbidden)
	if body != "ACL not found" {
		t.Errorf("missing token body %q", body)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/token/", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "GET", "/v1/acl/token", nil)
	expectStatus(t, resp, body, http.StatusMethodNotAllowed)
	resp, body = do(t, ts, "GET", "/v1/acl/token/self", nil, "X-Consul-Token", "nobody")
	expectStatus(t, resp, body, http.StatusForbidden)
}

func TestACLPermissionDenied(t *testing.T) {
	_, ts, client := newTestServer(t, nil)
	resp, body := do(t, ts, "GET", "/v1/acl/tokens", nil, "X-Consul-Token", fakeDeniedToken)
	expectStatus(t, resp, body, http.StatusForbidden)
	if body != "Permission denied" {
		t.Errorf("denied body %q", body)
	}
	_, _, err := client.ACL().PolicyCreate(&api.ACLPolicy{Name: "x"}, &api.WriteOptions{Token: fakeDeniedToken})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("denied create: %v", err)
	}
}

func TestACLPolicyCRUD(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	acl := client.ACL()
	p, _, err := acl.PolicyCreate(&api.ACLPolicy{Name: "kv", Description: "keys", Rules: `key_prefix "" { policy = "read" }`, Datacenters: []string{"dc1"}}, nil)
	if err != nil {
		t.Fatalf("PolicyCreate: %v", err)
	}
	if p.ID == "" || p.Name != "kv" || p.Rules == "" || len(p.Datacenters) != 1 {
		t.Errorf("created %+v", p)
	}
	if args := fa.lastCall(catalog.MethodACLPolicySet).(*catalog.ACLRequest); !args.Create || args.Policy.ID != "" {
		t.Errorf("create args %+v", args)
	}
	resp, body := do(t, ts, "PUT", "/v1/acl/policy", strings.NewReader(`{"ID":"x","Name":"y"}`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if body != "Cannot specify the ID when creating a new policy" {
		t.Errorf("create with ID %q", body)
	}
	_, _, err = acl.PolicyCreate(&api.ACLPolicy{Name: "kv"}, nil)
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate name: %v", err)
	}

	got, _, err := acl.PolicyRead(p.ID, nil)
	if err != nil || got.Rules != p.Rules {
		t.Errorf("PolicyRead: %+v %v", got, err)
	}
	byName, _, err := acl.PolicyReadByName("kv", nil)
	if err != nil || byName.ID != p.ID {
		t.Errorf("PolicyReadByName: %+v %v", byName, err)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/policy/nope", nil)
	expectStatus(t, resp, body, http.StatusForbidden)
	if body != "ACL not found" {
		t.Errorf("missing policy %q", body)
	}
	resp, body = do(t, ts, "GET", "/v1/acl/policy/name/nope", nil)
	expectStatus(t, resp, body, http.StatusForbidden)

	got.Description = "all keys"
	upd, _, err := acl.PolicyUpdate(got, nil)
	if err != nil || upd.Description != "all keys" || upd.CreateIndex != p.CreateIndex || upd.ModifyIndex <= p.ModifyIndex {
		t.Errorf("PolicyUpdate: %+v %v", upd, err)
	}
	resp, body = do(t, ts, "PUT", "/v1/acl/policy/"+p.ID, strings.NewReader(`{"ID":"other","Name":"kv"}`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if body != "Policy ID in URL and payload do not match" {
		t.Errorf("mismatch %q", body)
	}
	resp, body = do(t, ts, "PUT", "/v1/acl/policy/missing", strings.NewReader(`{"Name":"z"}`))
	expectStatus(t, resp, body, http.StatusBadRequest)

	list, qm, err := acl.PolicyList(nil)
	if err != nil || len(list) != 2 || qm.LastIndex == 0 {
		t.Fatalf("PolicyList: %+v %v", list, err)
	}
	_, body = do(t, ts, "GET", "/v1/acl/policies", nil)
	if strings.Contains(body, "Rules") {
		t.Errorf("policy list carries rules: %s", body)
	}

	if _, err := acl.PolicyDelete(p.ID, nil); err != nil {
		t.Fatalf("PolicyDelete: %v", err)
	}
	if _, err := acl.PolicyDelete(globalManagementID, nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("deleting global-management: %v", err)
	}
}

func TestACLRoleCRUD(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	acl := client.ACL()
	role, _, err := acl.RoleCreate(&api.ACLRole{
		Name:              "ops",
		Policies:          []*api.ACLRolePolicyLink{{Name: "global-management"}},
		ServiceIdentities: []*api.ACLServiceIdentity{{ServiceName: "web"}},
	}, nil)
	if err != nil {
		t.Fatalf("RoleCreate: %v", err)
	}
	if role.ID == "" || role.Policies[0].ID != globalManagementID {
		t.Errorf("created %+v", role)
	}
	if args := fa.lastCall(catalog.MethodACLRoleSet).(*catalog.ACLRequest); !args.Create {
		t.Errorf("create args %+v", args)
	}
	got, _, err := acl.RoleRead(role.ID, nil)
	if err != nil || got == nil || got.Name != "ops" {
		t.Fatalf("RoleRead: %+v %v", got, err)
	}
	byName, _, err := acl.RoleReadByName("ops", nil)
	if err != nil || byName == nil || byName.ID != role.ID {
		t.Errorf("RoleReadByName: %+v %v", byName, err)
	}
	// A missing role is a 404 with no body; consul/api answers nil.
	missing, _, err := acl.RoleRead("nope", nil)
	if err != nil || missing != nil {
		t.Errorf("missing role: %+v %v", missing, err)
	}
	resp, body := do(t, ts, "GET", "/v1/acl/role/name/nope", nil)
	expectStatus(t, resp, body, http.StatusNotFound)
	if body != "" || resp.Header.Get("X-Consul-Index") == "" {
		t.Errorf("missing role answer %q %v", body, resp.Header)
	}

	got.Description = "operators"
	upd, _, err := acl.RoleUpdate(got, nil)
	if err != nil || upd.Description != "operators" {
		t.Errorf("RoleUpdate: %+v %v", upd, err)
	}
	resp, body = do(t, ts, "PUT", "/v1/acl/role", strings.NewReader(`{"ID":"x","Name":"y"}`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	if body != "Role ID in URL and payload do not match" {
		t.Errorf("create with ID %q", body)
	}

	roles, _, err := acl.RoleList(nil)
	if err != nil || len(roles) != 1 || roles[0].Description != "operators" {
		t.Errorf("RoleList: %+v %v", roles, err)
	}
	if _, err := acl.RoleDelete(role.ID, nil); err != nil {
		t.Fatalf("RoleDelete: %v", err)
	}
	_, body = do(t, ts, "GET", "/v1/acl/roles", nil)
	if body != "[]" {
		t.Errorf("empty role list %q", body)
	}
}

func TestAgentTokenEndpoint(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	agent := client.Agent()
	for kind, set := range map[string]func(string, *api.WriteOptions) (*api.WriteMeta, error){
		"default":        agent.UpdateDefaultACLToken,
		"agent":          agent.UpdateAgentACLToken,
		"agent_recovery": agent.UpdateAgentRecoveryACLToken,
		"agent_master":   agent.UpdateAgentMasterACLToken,
		"replication":    agent.UpdateReplicationACLToken,
		"dns":            agent.UpdateDNSToken,
	} {
		if _, err := set("secret-"+kind, nil); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		if got := fa.acl.agentTokens[kind]; got != "secret-"+kind {
			t.Errorf("%s token = %q", kind, got)
		}
	}
	resp, body := do(t, ts, "PUT", "/v1/agent/token/acl_token", strings.NewReader(`{"Token":"x"}`))
	expectStatus(t, resp, body, http.StatusOK)
	if body != "" || fa.acl.agentTokens["acl_token"] != "x" {
		t.Errorf("legacy kind: body %q, tokens %v", body, fa.acl.agentTokens)
	}
	resp, body = do(t, ts, "PUT", "/v1/agent/token/bogus", strings.NewReader(`{"Token":"x"}`))
	expectStatus(t, resp, body, http.StatusNotFound)
	if body != `Token "bogus" is unknown` {
		t.Errorf("unknown kind %q", body)
	}
	resp, body = do(t, ts, "PUT", "/v1/agent/token/agent", strings.NewReader(`{"Token":`))
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "GET", "/v1/agent/token/agent", nil)
	expectStatus(t, resp, body, http.StatusMethodNotAllowed)
}
