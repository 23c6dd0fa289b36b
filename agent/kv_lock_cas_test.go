package agent_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// TestAcquireWithCAS: ?cas with ?acquire, as Patroni and python-consul
// may send it, locks only when the index matches.
func TestAcquireWithCAS(t *testing.T) {
	_, addr, c := agenttest.StartDev(t)
	sid, _, err := c.Session().Create(&api.SessionEntry{Name: "leader"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "leader", Value: []byte("a")}, nil); err != nil {
		t.Fatal(err)
	}
	kv, _, err := c.KV().Get("leader", nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(cas uint64) string {
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://%s/v1/kv/leader?acquire=%s&cas=%d", addr, sid, cas), strings.NewReader("b"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT ?acquire&cas=%d: %d %s", cas, resp.StatusCode, body)
		}
		return strings.TrimSpace(string(body))
	}
	if got := put(kv.ModifyIndex + 100); got != "false" {
		t.Fatalf("acquire with a stale cas answered %s", got)
	}
	if kv, _, _ := c.KV().Get("leader", nil); kv.Session != "" {
		t.Fatal("a refused CAS still took the lock")
	}
	if got := put(kv.ModifyIndex); got != "true" {
		t.Fatalf("acquire with the current cas answered %s", got)
	}
	if kv, _, _ := c.KV().Get("leader", nil); kv.Session != sid || string(kv.Value) != "b" {
		t.Fatalf("after acquire with cas: %+v", kv)
	}
}
