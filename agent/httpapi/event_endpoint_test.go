package httpapi

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/hashicorp/consul/api"
)

func TestEventFireAndList(t *testing.T) {
	fa, _, client := newTestServer(t, nil)
	ev := &api.UserEvent{Name: "deploy", Payload: []byte("v2"), ServiceFilter: "web", TagFilter: "blue", NodeFilter: "node.*"}
	id, _, err := client.Event().Fire(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	fired := fa.fired[0]
	if fired.ID != id || fired.ServiceFilter != "web" || fired.TagFilter != "blue" || fired.NodeFilter != "node.*" || string(fired.Payload) != "v2" {
		t.Fatalf("fired %+v, answered ID %q", fired, id)
	}
	if _, _, err := client.Event().Fire(&api.UserEvent{Name: "other"}, nil); err != nil {
		t.Fatal(err)
	}
	list, meta, err := client.Event().List("deploy", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || string(list[0].Payload) != "v2" || list[0].Version != 1 {
		t.Fatalf("list = %+v", list)
	}
	if meta.LastIndex != client.Event().IDToIndex(id) {
		t.Errorf("index %d, want IDToIndex %d", meta.LastIndex, client.Event().IDToIndex(id))
	}
	all, _, err := client.Event().List("", nil)
	if err != nil || len(all) != 2 {
		t.Fatalf("unfiltered list = %+v, %v", all, err)
	}
	none, meta, err := client.Event().List("nothing", nil)
	if err != nil || len(none) != 0 || meta.LastIndex != 1 {
		t.Fatalf("empty list = %+v index %d, %v", none, meta.LastIndex, err)
	}
}

func TestEventFireBadRequests(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	resp, body := do(t, ts, "PUT", "/v1/event/fire/big", bytes.NewReader(make([]byte, MaxEventPayload+1)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized payload: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, ts, "PUT", "/v1/event/fire/max", bytes.NewReader(make([]byte, MaxEventPayload)))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("payload at the limit: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, ts, "PUT", "/v1/event/fire/", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no name: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, ts, "PUT", "/v1/event/fire/x?tag=blue", nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "tag filter") {
		t.Errorf("tag without service: %d %s", resp.StatusCode, body)
	}
}

func TestEventListBlocks(t *testing.T) {
	fa, _, client := newTestServer(t, nil)
	_, meta, err := client.Event().List("", nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []*api.UserEvent, 1)
	go func() {
		list, _, err := client.Event().List("", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 5 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- list
	}()
	select {
	case <-done:
		t.Fatal("blocking list returned before any event")
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := fa.FireEvent(fakeEvent("deploy")); err != nil {
		t.Fatal(err)
	}
	select {
	case list := <-done:
		if len(list) != 1 || list[0].Name != "deploy" {
			t.Fatalf("woke with %+v", list)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocking list did not wake on a new event")
	}
	start := time.Now()
	_, _, err = client.Event().List("", &api.QueryOptions{WaitIndex: 1, WaitTime: 50 * time.Millisecond})
	if err != nil || time.Since(start) > time.Second {
		t.Errorf("list with a stale index: %v after %v", err, time.Since(start))
	}
}

func TestEventACL(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	pol, err := acl.Parse(`event "deploy" { policy = "write" } event "" { policy = "deny" }`)
	if err != nil {
		t.Fatal(err)
	}
	fa.authz = func(string) (acl.Authorizer, error) { return acl.New(false, pol), nil }
	if resp, body := do(t, ts, "PUT", "/v1/event/fire/secret", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("fire without event:write: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, ts, "PUT", "/v1/event/fire/deploy", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("fire with event:write: %d %s", resp.StatusCode, body)
	}
	if _, err := fa.fakeEvents.FireEvent(fakeEvent("secret")); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, ts, "GET", "/v1/event/list", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"deploy"`) || strings.Contains(body, "secret") {
		t.Errorf("list filtered by event:read: %d %s", resp.StatusCode, body)
	}
}
