package command

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWatchArguments(t *testing.T) {
	expect(t, runCLI(t, nil, "", "watch"), 1, "", "Watch type must be specified\n")
	expect(t, runCLI(t, nil, "", "watch", "-type", "bogus"), 1, "",
		"Error parsing watch params: Unsupported watch type: bogus\n")
	expect(t, runCLI(t, nil, "", "watch", "-type", "key"), 1, "",
		"Error parsing watch params: Must specify a single key to watch\n")
	got := runCLI(t, nil, "", "watch", "-type", "key", "-key", "k", "-service", "web")
	expect(t, got, 1, "", "Error parsing watch params: Invalid parameters: [service]\n")
}

// watchAgent answers the agent check and one KV read at index 7.
func watchAgent(t *testing.T) *fakeAgent {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1"}}`)
	f.on("GET /v1/kv/flags/beta", func(w http.ResponseWriter, c call) {
		w.Header().Set("X-Consul-Index", "7")
		w.Write([]byte(`[{"Key":"flags/beta","Value":"b24=","ModifyIndex":7}]`))
	})
	return f
}

func TestWatchPrintsResultOnce(t *testing.T) {
	f := watchAgent(t)
	got := runCLI(t, f.env(), "", "watch", "-type", "key", "-key", "flags/beta")
	expect(t, got, 0, `{
    "Key": "flags/beta",
    "CreateIndex": 0,
    "ModifyIndex": 7,
    "LockIndex": 0,
    "Flags": 0,
    "Value": "b24=",
    "Session": ""
}
`, "")
}

func TestWatchHandlerFailureStops(t *testing.T) {
	f := watchAgent(t)
	out := filepath.Join(t.TempDir(), "out")
	got := runCLI(t, f.env(), "", "watch", "-type", "key", "-key", "flags/beta",
		"cat > "+out+"; echo $CONSUL_INDEX >> "+out+"; exit 2")
	expect(t, got, 1, "", "Error executing handler: exit status 2\n")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Value": "b24="`) || !strings.HasSuffix(string(b), "}7\n") {
		t.Errorf("handler input and CONSUL_INDEX: %q", b)
	}
}

func TestWatchServiceParams(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1"}}`)
	f.on("GET /v1/health/service/web", func(w http.ResponseWriter, c call) {
		w.Header().Set("X-Consul-Index", "3")
		w.Write([]byte(`[]`))
	})
	got := runCLI(t, f.env(), "", "watch", "-type", "service", "-service", "web", "-tag", "v1", "-passingonly")
	expect(t, got, 0, "[]\n", "")
	reqs := f.requests()
	last := reqs[len(reqs)-1]
	if !strings.Contains(last.Query, "tag=v1") || !strings.Contains(last.Query, "passing=1") {
		t.Errorf("service query %q", last.Query)
	}
}
