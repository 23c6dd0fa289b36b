package command

import (
	"encoding/json"
	"testing"
)

const autopilotConf = `{"CleanupDeadServers":true,"LastContactThreshold":"200ms","MaxTrailingLogs":250,
 "MinQuorum":0,"ServerStabilizationTime":"10s","CreateIndex":4,"ModifyIndex":9}`

func TestAutopilotGetConfig(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/operator/autopilot/configuration", 200, autopilotConf)
	expect(t, runCLI(t, f.env(), "", "operator", "autopilot", "get-config"), 0,
		"CleanupDeadServers = true\nLastContactThreshold = 200ms\nMaxTrailingLogs = 250\nMinQuorum = 0\nServerStabilizationTime = 10s\n", "")
}

func TestAutopilotSetConfig(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/operator/autopilot/configuration", 200, autopilotConf)
	f.reply("PUT /v1/operator/autopilot/configuration", 200, "true")
	expect(t, runCLI(t, f.env(), "", "operator", "autopilot", "set-config",
		"-cleanup-dead-servers=false", "-server-stabilization-time=30s", "-min-quorum=3"), 0, "Configuration updated!\n", "")
	calls := f.requests()
	if len(calls) != 2 || calls[1].Query != "cas=9" {
		t.Fatalf("calls %+v: want a GET then a PUT with cas=9", calls)
	}
	var sent map[string]interface{}
	if err := json.Unmarshal([]byte(calls[1].Body), &sent); err != nil {
		t.Fatal(err)
	}
	// Only the flags given change; the rest is what was read.
	if sent["CleanupDeadServers"] != false || sent["ServerStabilizationTime"] != "30s" || sent["MinQuorum"] != 3.0 ||
		sent["LastContactThreshold"] != "200ms" || sent["MaxTrailingLogs"] != 250.0 {
		t.Fatalf("sent %v", sent)
	}

	f.reply("PUT /v1/operator/autopilot/configuration", 200, "false")
	expect(t, runCLI(t, f.env(), "", "operator", "autopilot", "set-config", "-min-quorum=5"), 1, "",
		"Configuration could not be atomically updated, please try again\n")
	expect(t, runCLI(t, f.env(), "", "operator", "autopilot", "set-config", "-server-stabilization-time=soon"), 1, "",
		"Error parsing flags: -server-stabilization-time must be a duration such as 10s, not \"soon\"\n")
}

func TestRaftTransferLeaderCLI(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("POST /v1/operator/raft/transfer-leader", 200, `{"Success":true}`)
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "transfer-leader", "-id", "abc"), 0, "Leadership transfer done.\n", "")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "transfer-leader"), 0, "Leadership transfer done.\n", "")
	f.expectCalls(
		call{Method: "POST", Path: "/v1/operator/raft/transfer-leader", Query: "id=abc"},
		call{Method: "POST", Path: "/v1/operator/raft/transfer-leader"},
	)
	f.reply("POST /v1/operator/raft/transfer-leader", 400, "cannot transfer leadership: there is no other voter in the Raft configuration")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "transfer-leader"), 1, "",
		"Error transferring leadership: Unexpected response code: 400 (cannot transfer leadership: there is no other voter in the Raft configuration)\n")
}

func TestAutopilotStateCLI(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/operator/autopilot/state", 200, `{"Healthy":true,"FailureTolerance":0,"OptimisticFailureTolerance":0,
 "Leader":"id-1","Voters":["id-1"],"Servers":{"id-1":{"ID":"id-1","Name":"s1","Address":"10.0.0.1:8300",
 "NodeStatus":"alive","Version":"0.1.0","LastContact":"0s","LastTerm":2,"LastIndex":40,"Healthy":true,
 "Status":"leader","NodeType":"voter"}}}`)
	expect(t, runCLI(t, f.env(), "", "operator", "autopilot", "state"), 0, `Healthy:                      true
Failure Tolerance:            0
Optimistic Failure Tolerance: 0
Leader:                       id-1
Voters:
   id-1

Servers:
   id-1
      Name:            s1
      Address:         10.0.0.1:8300
      Version:         0.1.0
      Status:          leader
      Node Type:       voter
      Node Status:     alive
      Healthy:         true
      Last Contact:    0s
      Last Term:       2
      Last Index:      40
`, "")
}
