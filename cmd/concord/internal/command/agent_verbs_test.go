package command

import (
	"strings"
	"testing"
)

func TestJoin(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/join/10.0.0.2", 200, "")
	f.reply("PUT /v1/agent/join/10.0.0.3:8301", 200, "")
	f.reply("PUT /v1/agent/join/10.0.0.9", 500, "no route to host")
	env := f.env()
	env["CONSUL_HTTP_TOKEN"] = "tok"

	expect(t, runCLI(t, env, "", "join", "10.0.0.2", "10.0.0.3:8301"), 0,
		"Successfully joined cluster by contacting 2 nodes.\n", "")
	expect(t, runCLI(t, env, "", "join", "-wan", "10.0.0.9", "10.0.0.2"), 0,
		"Successfully joined cluster by contacting 1 nodes.\n",
		"Error joining address '10.0.0.9': Unexpected response code: 500 (no route to host)\n")
	expect(t, runCLI(t, env, "", "join", "10.0.0.9"), 1, "",
		"Error joining address '10.0.0.9': Unexpected response code: 500 (no route to host)\n"+
			"Failed to join any nodes.\n")
	f.expectCalls(
		call{Method: "PUT", Path: "/v1/agent/join/10.0.0.2", Token: "tok"},
		call{Method: "PUT", Path: "/v1/agent/join/10.0.0.3:8301", Token: "tok"},
		call{Method: "PUT", Path: "/v1/agent/join/10.0.0.9", Query: "wan=1", Token: "tok"},
		call{Method: "PUT", Path: "/v1/agent/join/10.0.0.2", Query: "wan=1", Token: "tok"},
		call{Method: "PUT", Path: "/v1/agent/join/10.0.0.9", Token: "tok"},
	)

	r := runCLI(t, env, "", "join")
	if r.code != 1 || r.stdout != "" ||
		!strings.HasPrefix(r.stderr, "At least one address to join must be specified.\n\nUsage: concord join [options] address ...\n") {
		t.Errorf("join without addresses: %+v", r)
	}
}

func TestLeave(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/leave", 200, "")
	expect(t, runCLI(t, f.env(), "", "leave"), 0, "Graceful leave complete\n", "")
	f.expectCalls(call{Method: "PUT", Path: "/v1/agent/leave"})

	r := runCLI(t, f.env(), "", "leave", "now", "please")
	if r.code != 1 || r.stderr != "Error found unexpected args: [now please]\n" ||
		!strings.HasPrefix(r.stdout, "Usage: concord leave [options]\n") {
		t.Errorf("leave with args: %+v", r)
	}

	f.reply("PUT /v1/agent/leave", 403, "Permission denied")
	expect(t, runCLI(t, f.env(), "", "leave"), 1, "",
		"Error leaving: Unexpected response code: 403 (Permission denied)\n")
}

func TestForceLeave(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/force-leave/web-2", 200, "")
	expect(t, runCLI(t, f.env(), "", "force-leave", "web-2"), 0, "", "")
	expect(t, runCLI(t, f.env(), "", "force-leave", "-prune", "web-2"), 0, "", "")
	f.expectCalls(
		call{Method: "PUT", Path: "/v1/agent/force-leave/web-2"},
		call{Method: "PUT", Path: "/v1/agent/force-leave/web-2", Query: "prune=1"},
	)

	r := runCLI(t, f.env(), "", "force-leave", "a", "b")
	if r.code != 1 || !strings.HasPrefix(r.stderr,
		"A single node name must be specified to force leave.\n\nUsage: concord force-leave [options] name\n") {
		t.Errorf("force-leave a b: %+v", r)
	}

	f.reply("PUT /v1/agent/force-leave/ghost", 500, "agent: No node found with name 'ghost'")
	expect(t, runCLI(t, f.env(), "", "force-leave", "ghost"), 1, "",
		"Error force leaving: Unexpected response code: 500 (agent: No node found with name 'ghost')\n")
}

func TestInfo(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1"},"Stats":{
	  "raft":{"state":"Leader","applied_index":"42","term":"3"},
	  "agent":{"checks":"0","services":"2"},
	  "build":{"version":"0.1.0","revision":"abc1234","prerelease":""}}}`)
	want := "agent:\n\tchecks = 0\n\tservices = 2\n" +
		"build:\n\tprerelease = \n\trevision = abc1234\n\tversion = 0.1.0\n" +
		"raft:\n\tapplied_index = 42\n\tstate = Leader\n\tterm = 3\n"
	expect(t, runCLI(t, f.env(), "", "info"), 0, want, "")
	f.expectCalls(call{Method: "GET", Path: "/v1/agent/self"})

	f.reply("GET /v1/agent/self", 200, `{"Config":{}}`)
	expect(t, runCLI(t, f.env(), "", "info"), 1, "",
		"Agent response did not contain 'Stats' key: map[Config:map[]]\n")
}

func TestVersionFormats(t *testing.T) {
	var out strings.Builder
	Run([]string{"version"}, Env{Stdout: &out, Version: "0.2.0"})
	want := "concord v0.2.0\n" +
		"Protocol 2 spoken by default, understands 2 to 3 " +
		"(agent will automatically use protocol >2 when speaking to compatible agents)\n"
	if out.String() != want {
		t.Errorf("version without revision:\n%q\nwant\n%q", out.String(), want)
	}

	expect(t, runCLI(t, nil, "", "version", "-format", "json"), 0, `{
   "Version": "0.1.0",
   "Revision": "abc1234",
   "RPC": {
      "Default": 2,
      "Min": 2,
      "Max": 3
   }
}
`, "")
	expect(t, runCLI(t, nil, "", "version", "-format", "yaml"), 1, "", "Unknown format: yaml\n")
}
