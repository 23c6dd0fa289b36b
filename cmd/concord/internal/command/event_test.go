package command

import (
	"net/http"
	"strings"
	"testing"
)

const eventID = "b1e2c3d4-0000-1111-2222-333344445555"

func TestEventFires(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1"}}`)
	f.reply("PUT /v1/event/fire/deploy", 200, `{"ID":"`+eventID+`","Name":"deploy","Version":1}`)
	got := runCLI(t, f.env(), "", "event", "-name", "deploy", "-service", "web", "-tag", "v1", "-node", "n.*", "build 42")
	expect(t, got, 0, "Event ID: "+eventID+"\n", "")
	reqs := f.requests()
	fire := reqs[len(reqs)-1]
	if fire.Body != "build 42" {
		t.Errorf("payload %q", fire.Body)
	}
	for _, q := range []string{"service=web", "tag=v1", "node=n.%2A"} {
		if !strings.Contains(fire.Query, q) {
			t.Errorf("query %q lacks %s", fire.Query, q)
		}
	}
}

func TestEventArguments(t *testing.T) {
	got := runCLI(t, nil, "", "event")
	if got.code != 1 || !strings.HasPrefix(got.stderr, "Event name must be specified\n") {
		t.Errorf("no name: %+v", got)
	}
	expect(t, runCLI(t, nil, "", "event", "-name", "x", "-tag", "v1"), 1, "",
		"Cannot provide tag filter without service filter.\n")
	expect(t, runCLI(t, nil, "", "event", "-name", "x", "-node", "("), 1, "",
		"Failed to compile node filter regexp: error parsing regexp: missing closing ): `(`\n")
	got = runCLI(t, nil, "", "event", "-name", "x", "a", "b")
	if got.code != 1 || !strings.HasPrefix(got.stderr, "Too many command line arguments.\n") {
		t.Errorf("two payloads: %+v", got)
	}
}

func TestEventFireRefused(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1"}}`)
	f.reply("PUT /v1/event/fire/deploy", 403, "Permission denied")
	got := runCLI(t, f.env(), "", "event", "-name", "deploy")
	if got.code != 1 || !strings.HasPrefix(got.stderr, "Error firing event: ") || !strings.Contains(got.stderr, "403") {
		t.Errorf("refused fire: %+v", got)
	}
}

func TestWatchEvent(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1"}}`)
	f.on("GET /v1/event/list", func(w http.ResponseWriter, c call) {
		w.Header().Set("X-Consul-Index", "12345")
		w.Write([]byte(`[{"ID":"` + eventID + `","Name":"deploy","Payload":"djI=","Version":1,"LTime":3}]`))
	})
	got := runCLI(t, f.env(), "", "watch", "-type", "event", "-name", "deploy")
	if got.code != 0 || !strings.Contains(got.stdout, `"Payload": "djI="`) || !strings.Contains(got.stdout, eventID) {
		t.Errorf("watch -type event: %+v", got)
	}
	reqs := f.requests()
	if last := reqs[len(reqs)-1]; last.Query != "name=deploy" {
		t.Errorf("list query %q", last.Query)
	}
}
