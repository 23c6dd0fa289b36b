package config

import (
	"context"
	"encoding/json"
	"net"
	"reflect"
	"testing"

	"github.com/hashicorp/memberlist"
)

func TestSanitized(t *testing.T) {
	dir := writeFiles(t, map[string]string{"c.json": `{
		"encrypt": "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=",
		"service": {"name": "web", "check": {"http": "http://x", "interval": "10s",
			"header": {"Authorization": ["Bearer secret"], "X-Consul-Token": ["t"], "Accept": ["text/plain"]}}}
	}`})
	c, _ := mustLoad(t, "-data-dir", "/d", "-config-file", dir+"/c.json")
	c.ACL.Tokens.InitialManagement = "root-secret"
	c.ACL.Tokens.Agent = "agent-secret"
	m := c.Sanitized()
	// Every token of acl.tokens, whatever its field is called.
	tokens := m["ACL"].(map[string]interface{})["Tokens"].(map[string]interface{})
	if tokens["InitialManagement"] != "hidden" || tokens["Agent"] != "hidden" || tokens["DNS"] != "" {
		t.Fatalf("acl tokens = %v", tokens)
	}

	if m["EncryptKey"] != "hidden" {
		t.Fatalf("EncryptKey = %v", m["EncryptKey"])
	}
	if m["RetryInterval"] != "30s" || m["ReconnectTimeout"] != "72h0m0s" {
		t.Fatalf("durations = %v, %v", m["RetryInterval"], m["ReconnectTimeout"])
	}
	if m["Datacenter"] != "dc1" || m["DataDir"] != "/d" || m["Server"] != false {
		t.Fatalf("scalars = %v", m)
	}
	ports := m["Ports"].(map[string]interface{})
	if ports["HTTP"] != 8500 {
		t.Fatalf("ports = %v", ports)
	}
	svc := m["Services"].([]interface{})[0].(map[string]interface{})
	if _, ok := svc["source"]; ok {
		t.Fatal("unexported fields must not show")
	}
	check := svc["Checks"].([]interface{})[0].(map[string]interface{})
	want := map[string]interface{}{
		"Authorization":  []interface{}{"hidden"},
		"X-Consul-Token": []interface{}{"hidden"},
		"Accept":         []interface{}{"text/plain"},
	}
	if !reflect.DeepEqual(check["Header"], want) || check["Interval"] != "10s" {
		t.Fatalf("check = %v", check)
	}
	// The config itself keeps its secrets.
	if c.EncryptKey == "hidden" || c.Services[0].Checks[0].Header["Authorization"][0] != "Bearer secret" {
		t.Fatal("Sanitized changed the config")
	}
	// It must encode as JSON, for /v1/agent/self.
	if _, err := json.Marshal(m); err != nil {
		t.Fatal(err)
	}

	empty := DefaultConfig().Sanitized()
	if empty["EncryptKey"] != "" {
		t.Fatalf("an unset key must stay empty, got %v", empty["EncryptKey"])
	}
	if l, ok := empty["Services"].([]interface{}); !ok || len(l) != 0 {
		t.Fatalf("Services = %#v, want an empty list", empty["Services"])
	}
}

// stubNetwork is a Network with state that must not reach DebugConfig.
type stubNetwork struct{ cut chan struct{} }

func (stubNetwork) DialContext(context.Context, string, string) (net.Conn, error) { return nil, nil }
func (stubNetwork) WrapGossip(t memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	return t
}

// TestSanitizedLeavesOutTestNetwork: a test's network hook is not
// configuration, and a channel in it could not be encoded as JSON.
func TestSanitizedLeavesOutTestNetwork(t *testing.T) {
	c := DefaultConfig()
	c.TestNetwork = stubNetwork{cut: make(chan struct{})}
	m := c.Sanitized()
	if _, ok := m["TestNetwork"]; ok {
		t.Fatalf("TestNetwork in the sanitized config: %v", m["TestNetwork"])
	}
	if _, err := json.Marshal(m); err != nil {
		t.Fatal(err)
	}
}
