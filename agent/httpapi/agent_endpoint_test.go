package httpapi

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
)

func TestAgentWithConsulClient(t *testing.T) {
	fa, _, client := newTestServer(t, nil)
	agent := client.Agent()

	self, err := agent.Self()
	if err != nil {
		t.Fatalf("Self: %v", err)
	}
	cfg := self["Config"]
	if cfg["Datacenter"] != "dc1" || cfg["NodeName"] != "node1" || cfg["Server"] != true || cfg["Version"] != "0.1.0" ||
		cfg["PrimaryDatacenter"] != "dc1" || cfg["NodeID"] == "" || cfg["Revision"] != "abc123" {
		t.Errorf("Config %v", cfg)
	}
	if self["Member"]["Addr"] != "10.0.0.1" || self["Member"]["Status"] != float64(1) {
		t.Errorf("Member %v", self["Member"])
	}
	if raft, _ := self["Stats"]["raft"].(map[string]interface{}); raft["state"] != "Leader" {
		t.Errorf("Stats %v", self["Stats"])
	}
	if self["Meta"] == nil || self["DebugConfig"]["Datacenter"] != "dc1" {
		t.Errorf("Meta %v DebugConfig %v", self["Meta"], self["DebugConfig"])
	}
	if name, err := agent.NodeName(); err != nil || name != "node1" {
		t.Errorf("NodeName: %q %v", name, err)
	}

	members, err := agent.Members(false)
	if err != nil || len(members) != 1 {
		t.Fatalf("Members: %v %v", members, err)
	}
	want := &api.AgentMember{
		Name: "node1", Addr: "10.0.0.1", Port: 8301, Tags: map[string]string{"role": "consul", "dc": "dc1"},
		Status: 1, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
	}
	if !reflect.DeepEqual(members[0], want) {
		t.Errorf("member %+v, want %+v", members[0], want)
	}
	wan, err := agent.Members(true)
	if err != nil || len(wan) != 0 {
		t.Errorf("WAN members: %v %v", wan, err)
	}
	if _, err := agent.MembersOpts(api.MembersOpts{}); err != nil {
		t.Errorf("MembersOpts: %v", err)
	}

	if err := agent.Join("10.0.0.2:8301", false); err != nil {
		t.Errorf("Join: %v", err)
	}
	// The fake is a client agent: a WAN join is refused with a 400.
	if err := agent.Join("10.0.0.3", true); err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "Must be a server") {
		t.Errorf("WAN join: %v", err)
	}
	fa.mu.Lock()
	fa.joinErr = errors.New("connection refused")
	fa.mu.Unlock()
	err = agent.Join("10.0.0.9", false)
	var se api.StatusError
	if !errors.As(err, &se) || se.Code != 500 || !strings.Contains(se.Body, "connection refused") {
		t.Errorf("failed join: %v", err)
	}

	if err := agent.ForceLeavePrune("node1"); err != nil {
		t.Errorf("ForceLeavePrune: %v", err)
	}
	if err := agent.ForceLeave("ghost"); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("force-leave unknown: %v", err)
	}
	if err := agent.Leave(); err != nil {
		t.Errorf("Leave: %v", err)
	}

	fa.mu.Lock()
	defer fa.mu.Unlock()
	if !reflect.DeepEqual(fa.joined, []string{"10.0.0.2:8301"}) || !fa.left ||
		!reflect.DeepEqual(fa.forceLeave, []string{"node1 prune=true"}) {
		t.Errorf("agent saw joined=%v left=%v forceLeave=%v", fa.joined, fa.left, fa.forceLeave)
	}
}

func TestAgentRawHTTP(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	resp, body := do(t, ts, "PUT", "/v1/agent/join/", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "PUT", "/v1/agent/force-leave/node1?wan=1", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "GET", "/v1/agent/members?filter=Name==x", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "PUT", "/v1/agent/join/10.0.0.2?wan=0", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != "" {
		t.Errorf("join answered %q", body)
	}
}
