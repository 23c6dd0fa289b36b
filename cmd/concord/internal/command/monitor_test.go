package command

import "testing"

func TestMonitorPrintsUntilTheAgentEndsTheStream(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/monitor", 200, "2026-01-01T00:00:00.000Z [INFO]  agent: one\n2026-01-01T00:00:00.001Z [DEBUG] agent: two\n")
	expect(t, runCLI(t, f.env(), "", "monitor", "-log-level=debug"), 0,
		"2026-01-01T00:00:00.000Z [INFO]  agent: one\n2026-01-01T00:00:00.001Z [DEBUG] agent: two\n"+
			"\nRemote side ended the monitor! This usually means that the\nremote side has exited or crashed.\n", "")
	f.reply("GET /v1/agent/monitor", 200, `{"@level":"info","@message":"one"}`+"\n")
	expect(t, runCLI(t, f.env(), "", "monitor", "-json"), 0,
		`{"@level":"info","@message":"one"}`+"\n\nRemote side ended the monitor! This usually means that the\nremote side has exited or crashed.\n", "")
	f.expectCalls(
		call{Method: "GET", Path: "/v1/agent/monitor", Query: "loglevel=debug"},
		call{Method: "GET", Path: "/v1/agent/monitor", Query: "logjson=true&loglevel=info"},
	)
	f.reply("GET /v1/agent/monitor", 403, "Permission denied")
	expect(t, runCLI(t, f.env(), "", "monitor"), 1, "",
		"Error starting monitor: Unexpected response code: 403 (Permission denied)\n")
}
