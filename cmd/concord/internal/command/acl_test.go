package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	fullPolicyID = "11111111-2222-3333-4444-555555555555"
	fullTokenID  = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	fullRoleID   = "99999999-8888-7777-6666-555555555555"
)

const bootstrapJSON = `{"ID":"s1","AccessorID":"a1","SecretID":"s1",
 "Description":"Bootstrap Token (Global Management)",
 "Policies":[{"ID":"00000000-0000-0000-0000-000000000001","Name":"global-management"}],
 "Local":false,"CreateTime":"2024-05-01T12:00:00Z","Hash":"q80=","CreateIndex":11,"ModifyIndex":11}`

const bootstrapPretty = "" +
	"AccessorID:       a1\n" +
	"SecretID:         s1\n" +
	"Description:      Bootstrap Token (Global Management)\n" +
	"Local:            false\n" +
	"Create Time:      2024-05-01 12:00:00 +0000 UTC\n" +
	"Policies:\n" +
	"   00000000-0000-0000-0000-000000000001 - global-management\n\n"

func TestACLBootstrap(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/acl/bootstrap", 200, bootstrapJSON)
	expect(t, runCLI(t, f.env(), "", "acl", "bootstrap"), 0, bootstrapPretty, "")

	got := runCLI(t, f.env(), "", "acl", "bootstrap", "-format", "json")
	if got.code != 0 || !strings.HasPrefix(got.stdout, "{\n    \"CreateIndex\": 11,") || !strings.Contains(got.stdout, `"SecretID": "s1"`) {
		t.Errorf("json bootstrap: %+v", got)
	}

	f.reply("PUT /v1/acl/bootstrap", 403, "Permission denied: ACL bootstrap no longer allowed (reset index: 11)")
	expect(t, runCLI(t, f.env(), "", "acl", "bootstrap"), 1, "",
		"Failed ACL bootstrapping: Unexpected response code: 403 (Permission denied: ACL bootstrap no longer allowed (reset index: 11))\n")
	expect(t, runCLI(t, f.env(), "", "acl", "bootstrap", "-format", "yaml"), 1, "", "Unknown format: yaml\n")
}

func TestACLSetAgentToken(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/token/*", 200, "")
	expect(t, runCLI(t, f.env(), "", "acl", "set-agent-token", "agent", "secret-1"), 0,
		"ACL token \"agent\" set successfully\n", "")
	expect(t, runCLI(t, f.env(), "secret-2\n", "acl", "set-agent-token", "recovery", "-"), 0,
		"ACL token \"recovery\" set successfully\n", "")
	f.expectCalls(
		call{Method: "PUT", Path: "/v1/agent/token/agent", Body: `{"Token":"secret-1"}` + "\n"},
		call{Method: "PUT", Path: "/v1/agent/token/agent_recovery", Body: `{"Token":"secret-2\n"}` + "\n"},
	)
	expect(t, runCLI(t, f.env(), "", "acl", "set-agent-token", "agent"), 1, "",
		"Error! Missing TYPE and TOKEN arguments\n")
	expect(t, runCLI(t, f.env(), "", "acl", "set-agent-token", "bogus", "x"), 1, "", "Unknown token type\n")

	f.reply("PUT /v1/agent/token/*", 403, "Permission denied")
	expect(t, runCLI(t, f.env(), "", "acl", "set-agent-token", "dns", "x"), 1, "",
		"Failed to set ACL token \"dns\": Unexpected response code: 403 (Permission denied)\n")
}

const policyJSON = `{"ID":"` + fullPolicyID + `","Name":"web","Description":"web rules",
 "Rules":"service \"web\" { policy = \"write\" }","Datacenters":["dc1","dc2"],"Hash":"zQ==","CreateIndex":5,"ModifyIndex":6}`

const policyPretty = "" +
	"ID:           " + fullPolicyID + "\n" +
	"Name:         web\n" +
	"Description:  web rules\n" +
	"Datacenters:  dc1, dc2\n" +
	"Rules:\n" +
	"service \"web\" { policy = \"write\" }\n"

func TestACLPolicyVerbs(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/acl/policy", 200, policyJSON)
	f.reply("GET /v1/acl/policy/"+fullPolicyID, 200, policyJSON)
	f.reply("GET /v1/acl/policy/name/web", 200, policyJSON)
	f.reply("PUT /v1/acl/policy/"+fullPolicyID, 200, policyJSON)
	f.reply("DELETE /v1/acl/policy/"+fullPolicyID, 200, "true")
	f.reply("GET /v1/acl/policies", 200, `[{"ID":"`+fullPolicyID+`","Name":"web","Description":"web rules","Datacenters":null,"Hash":"zQ==","CreateIndex":5,"ModifyIndex":6},
	 {"ID":"00000000-0000-0000-0000-000000000001","Name":"global-management","Description":"Builtin Policy that grants unlimited access","Datacenters":null,"Hash":"AQ==","CreateIndex":1,"ModifyIndex":1}]`)

	rules := filepath.Join(t.TempDir(), "rules.hcl")
	if err := os.WriteFile(rules, []byte(`service "web" { policy = "write" }`), 0o600); err != nil {
		t.Fatal(err)
	}
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "create", "-name", "web", "-description", "web rules",
		"-valid-datacenter", "dc1", "-valid-datacenter", "dc2", "-rules", "@"+rules), 0, policyPretty, "")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "read", "-id", fullPolicyID), 0, policyPretty, "")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "read", "-name", "web", "-meta"), 0,
		strings.Replace(policyPretty, "Rules:\n", "Hash:         cd\nCreate Index: 5\nModify Index: 6\nRules:\n", 1), "")
	// A prefix is resolved through the list.
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "read", "-id", "1111"), 0, policyPretty, "")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "read", "-id", "f"), 1, "",
		"Error determining policy ID: No such policy ID with prefix: f\n")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "read"), 1, "",
		"Must specify either the -id or -name parameters\n")

	expect(t, runCLI(t, f.env(), "", "acl", "policy", "list"), 0, ""+
		"web:\n"+
		"   ID:           "+fullPolicyID+"\n"+
		"   Description:  web rules\n"+
		"   Datacenters:  \n"+
		"global-management:\n"+
		"   ID:           00000000-0000-0000-0000-000000000001\n"+
		"   Description:  Builtin Policy that grants unlimited access\n"+
		"   Datacenters:  \n\n", "")

	expect(t, runCLI(t, f.env(), "", "acl", "policy", "update", "-id", fullPolicyID, "-description", "new"), 0, policyPretty, "")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "delete", "-id", fullPolicyID), 0,
		"Policy \""+fullPolicyID+"\" deleted successfully\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "delete", "-name", "web"), 0,
		"Policy \""+fullPolicyID+"\" deleted successfully\n", "")

	var bodies []string
	for _, c := range f.requests() {
		if c.Method == "PUT" {
			bodies = append(bodies, c.Body)
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], `"Datacenters":["dc1","dc2"]`) || !strings.Contains(bodies[0], `"Name":"web"`) ||
		!strings.Contains(bodies[1], `"Description":"new"`) || !strings.Contains(bodies[1], `"ID":"`+fullPolicyID+`"`) {
		t.Errorf("PUT bodies %q", bodies)
	}

	f.reply("GET /v1/acl/policy/"+fullPolicyID, 403, "ACL not found")
	expect(t, runCLI(t, f.env(), "", "acl", "policy", "read", "-id", fullPolicyID), 1, "",
		"Error reading policy \""+fullPolicyID+"\": Unexpected response code: 403 (ACL not found)\n")
	got := runCLI(t, f.env(), "", "acl", "policy", "create")
	if got.code != 1 || !strings.HasPrefix(got.stderr, "Missing require '-name' flag\nUsage: concord acl policy create") {
		t.Errorf("create without -name: %+v", got)
	}
}

const tokenJSON = `{"AccessorID":"` + fullTokenID + `","SecretID":"secret","Description":"web token",
 "Policies":[{"ID":"` + fullPolicyID + `","Name":"web"}],"Roles":[{"ID":"` + fullRoleID + `","Name":"ops"}],
 "ServiceIdentities":[{"ServiceName":"api"},{"ServiceName":"db","Datacenters":["dc1","dc2"]}],
 "NodeIdentities":[{"NodeName":"n1","Datacenter":"dc1"}],
 "Local":true,"ExpirationTime":"2024-05-01T13:00:00Z","CreateTime":"2024-05-01T12:00:00Z","Hash":"qw==","CreateIndex":20,"ModifyIndex":21}`

const tokenPretty = "" +
	"AccessorID:       " + fullTokenID + "\n" +
	"SecretID:         secret\n" +
	"Description:      web token\n" +
	"Local:            true\n" +
	"Create Time:      2024-05-01 12:00:00 +0000 UTC\n" +
	"Expiration Time:  2024-05-01 13:00:00 +0000 UTC\n" +
	"Policies:\n" +
	"   " + fullPolicyID + " - web\n" +
	"Roles:\n" +
	"   " + fullRoleID + " - ops\n" +
	"Service Identities:\n" +
	"   api (Datacenters: all)\n" +
	"   db (Datacenters: dc1, dc2)\n" +
	"Node Identities:\n" +
	"   n1 (Datacenter: dc1)\n"

func TestACLTokenVerbs(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/acl/token", 200, tokenJSON)
	f.reply("GET /v1/acl/token/"+fullTokenID, 200, tokenJSON)
	f.reply("GET /v1/acl/token/self", 200, tokenJSON)
	f.reply("PUT /v1/acl/token/"+fullTokenID, 200, tokenJSON)
	f.reply("PUT /v1/acl/token/"+fullTokenID+"/clone", 200, tokenJSON)
	f.reply("DELETE /v1/acl/token/"+fullTokenID, 200, "true")
	f.reply("GET /v1/acl/tokens", 200, `[{"AccessorID":"`+fullTokenID+`","Description":"web token","Local":false,"CreateTime":"2024-05-01T12:00:00Z","Hash":"qw==","CreateIndex":20,"ModifyIndex":21},
	 {"AccessorID":"bbbbbbbb-0000-0000-0000-000000000000","Description":"other","Policies":[{"ID":"`+fullPolicyID+`","Name":"web"}],"Local":true,"CreateTime":"2024-05-01T12:00:00Z","Hash":null,"CreateIndex":22,"ModifyIndex":22}]`)

	expect(t, runCLI(t, f.env(), "", "acl", "token", "create", "-description", "web token",
		"-policy-name", "web", "-policy-id", fullPolicyID, "-role-name", "ops", "-service-identity", "api",
		"-service-identity", "db:dc1,dc2", "-node-identity", "n1:dc1", "-expires-ttl", "1h", "-local"), 0, tokenPretty+"\n", "")
	body := f.requests()[0].Body
	for _, want := range []string{`"Description":"web token"`, `"Policies":[{"ID":"","Name":"web"},{"ID":"` + fullPolicyID + `","Name":""}]`,
		`"Roles":[{"ID":"","Name":"ops"}]`, `"ServiceIdentities":[{"ServiceName":"api"},{"ServiceName":"db","Datacenters":["dc1","dc2"]}]`,
		`"NodeIdentities":[{"NodeName":"n1","Datacenter":"dc1"}]`, `"Local":true`, `"ExpirationTTL":3600000000000`} {
		if !strings.Contains(body, want) {
			t.Errorf("create body lacks %s: %s", want, body)
		}
	}
	expect(t, runCLI(t, f.env(), "", "acl", "token", "create"), 1, "",
		"Cannot create a token without specifying -policy-name, -policy-id, -role-name, -role-id, -service-identity, or -node-identity at least once\n")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "create", "-node-identity", "n1"), 1, "",
		"Malformed -node-identity argument: \"n1\"\n")

	expect(t, runCLI(t, f.env(), "", "acl", "token", "read", "-accessor-id", fullTokenID), 0, tokenPretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "read", "-id", fullTokenID), 0, tokenPretty+"\n",
		"Use the -accessor-id parameter to specify token by Accessor ID\n")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "read", "-self"), 0, tokenPretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "read", "-accessor-id", "aaaa"), 0, tokenPretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "read"), 1, "", "Must specify the -accessor-id parameter\n")

	expect(t, runCLI(t, f.env(), "", "acl", "token", "list"), 0, ""+
		"AccessorID:       "+fullTokenID+"\n"+
		"SecretID:         \n"+
		"Description:      web token\n"+
		"Local:            false\n"+
		"Create Time:      2024-05-01 12:00:00 +0000 UTC\n"+
		"\n"+
		"AccessorID:       bbbbbbbb-0000-0000-0000-000000000000\n"+
		"SecretID:         \n"+
		"Description:      other\n"+
		"Local:            true\n"+
		"Create Time:      2024-05-01 12:00:00 +0000 UTC\n"+
		"Policies:\n"+
		"   "+fullPolicyID+" - web\n\n", "")

	expect(t, runCLI(t, f.env(), "", "acl", "token", "clone", "-accessor-id", fullTokenID, "-description", "copy"), 0, tokenPretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "delete", "-accessor-id", fullTokenID), 0,
		"Token \""+fullTokenID+"\" deleted successfully\n", "")

	before := len(f.requests())
	expect(t, runCLI(t, f.env(), "", "acl", "token", "update", "-accessor-id", fullTokenID,
		"-description", "renamed", "-policy-name", "other"), 0, tokenPretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "update", "-accessor-id", fullTokenID,
		"-policy-name", "other", "-merge-policies"), 0, tokenPretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "update", "-accessor-id", fullTokenID,
		"-append-policy-name", "web", "-append-service-identity", "db:dc3"), 0, tokenPretty+"\n", "")
	var puts []string
	for _, c := range f.requests()[before:] {
		if c.Method == "PUT" {
			puts = append(puts, c.Body)
		}
	}
	if len(puts) != 3 {
		t.Fatalf("update PUTs %q", puts)
	}
	if !strings.Contains(puts[0], `"Description":"renamed"`) || !strings.Contains(puts[0], `"Policies":[{"ID":"","Name":"other"}]`) {
		t.Errorf("replacing update body %s", puts[0])
	}
	if !strings.Contains(puts[1], `"Description":"web token"`) ||
		!strings.Contains(puts[1], `"Policies":[{"ID":"`+fullPolicyID+`","Name":"web"},{"ID":"","Name":"other"}]`) {
		t.Errorf("merging update body %s", puts[1])
	}
	if !strings.Contains(puts[2], `"Policies":[{"ID":"`+fullPolicyID+`","Name":"web"}]`) ||
		!strings.Contains(puts[2], `{"ServiceName":"db","Datacenters":["dc3"]}`) || !strings.Contains(puts[2], `"Roles":[{"ID":"`+fullRoleID+`"`) {
		t.Errorf("appending update body %s", puts[2])
	}
	expect(t, runCLI(t, f.env(), "", "acl", "token", "update", "-accessor-id", fullTokenID,
		"-policy-name", "a", "-append-policy-name", "b"), 1, "",
		"Cannot combine the use of policy-id/policy-name flags with append- variants. To set or overwrite existing policies, use -policy-id or -policy-name. To append to existing policies, use -append-policy-id or -append-policy-name.\n")

	f.reply("GET /v1/acl/token/"+fullTokenID, 403, "ACL not found")
	expect(t, runCLI(t, f.env(), "", "acl", "token", "read", "-accessor-id", fullTokenID), 1, "",
		"Error reading token \""+fullTokenID+"\": Unexpected response code: 403 (ACL not found)\n")
}

const roleJSON = `{"ID":"` + fullRoleID + `","Name":"ops","Description":"operators",
 "Policies":[{"ID":"` + fullPolicyID + `","Name":"web"}],"ServiceIdentities":[{"ServiceName":"api"}],
 "Hash":"7w==","CreateIndex":30,"ModifyIndex":31}`

const rolePretty = "" +
	"ID:           " + fullRoleID + "\n" +
	"Name:         ops\n" +
	"Description:  operators\n" +
	"Policies:\n" +
	"   " + fullPolicyID + " - web\n" +
	"Service Identities:\n" +
	"   api (Datacenters: all)\n"

func TestACLRoleVerbs(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/acl/role", 200, roleJSON)
	f.reply("GET /v1/acl/role/"+fullRoleID, 200, roleJSON)
	f.reply("GET /v1/acl/role/name/ops", 200, roleJSON)
	f.reply("PUT /v1/acl/role/"+fullRoleID, 200, roleJSON)
	f.reply("DELETE /v1/acl/role/"+fullRoleID, 200, "true")
	f.reply("GET /v1/acl/roles", 200, "["+roleJSON+"]")
	f.reply("GET /v1/acl/role/name/nope", 404, "")

	expect(t, runCLI(t, f.env(), "", "acl", "role", "create", "-name", "ops", "-description", "operators",
		"-policy-name", "web", "-service-identity", "api"), 0, rolePretty+"\n", "")
	if body := f.requests()[0].Body; !strings.Contains(body, `"Name":"ops"`) || !strings.Contains(body, `"Policies":[{"ID":"","Name":"web"}]`) {
		t.Errorf("create body %s", body)
	}
	expect(t, runCLI(t, f.env(), "", "acl", "role", "create", "-name", "ops"), 1, "",
		"Cannot create a role without specifying -policy-name, -policy-id, -service-identity, or -node-identity at least once\n")
	expect(t, runCLI(t, f.env(), "", "acl", "role", "read", "-id", fullRoleID), 0, rolePretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "role", "read", "-name", "ops"), 0, rolePretty+"\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "role", "read", "-name", "nope"), 1, "", "Role not found with name \"nope\"\n")
	expect(t, runCLI(t, f.env(), "", "acl", "role", "list"), 0, ""+
		"ops:\n"+
		"   ID:           "+fullRoleID+"\n"+
		"   Description:  operators\n"+
		"   Policies:\n"+
		"      "+fullPolicyID+" - web\n"+
		"   Service Identities:\n"+
		"      api (Datacenters: all)\n\n", "")
	expect(t, runCLI(t, f.env(), "", "acl", "role", "update", "-id", "9999", "-policy-name", "extra"), 0, rolePretty+"\n", "")
	var put string
	for _, c := range f.requests() {
		if c.Method == "PUT" && c.Path == "/v1/acl/role/"+fullRoleID {
			put = c.Body
		}
	}
	if !strings.Contains(put, `"Policies":[{"ID":"`+fullPolicyID+`","Name":"web"},{"ID":"","Name":"extra"}]`) {
		t.Errorf("update body %s", put)
	}
	expect(t, runCLI(t, f.env(), "", "acl", "role", "delete", "-id", fullRoleID), 0,
		"Role \""+fullRoleID+"\" deleted successfully\n", "")
}

func TestACLHelpListsSubcommands(t *testing.T) {
	got := runCLI(t, nil, "", "acl")
	if got.code != 1 || !strings.Contains(got.stdout, "Subcommands:\n    bootstrap ") ||
		!strings.Contains(got.stdout, "    set-agent-token ") || !strings.Contains(got.stdout, "    token ") {
		t.Errorf("acl help: %+v", got)
	}
}
