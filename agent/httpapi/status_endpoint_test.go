package httpapi

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/catalog"
)

func TestStatusWithConsulClient(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	leader, err := client.Status().Leader()
	if err != nil || leader != "10.0.0.1:8300" {
		t.Errorf("Leader: %q %v", leader, err)
	}
	peers, err := client.Status().Peers()
	if err != nil || !reflect.DeepEqual(peers, []string{"10.0.0.1:8300", "10.0.0.2:8300"}) {
		t.Errorf("Peers: %v %v", peers, err)
	}
	if _, err := client.Status().LeaderWithQueryOptions(&api.QueryOptions{Datacenter: "dc1", Token: "t"}); err != nil {
		t.Errorf("Leader with options: %v", err)
	}
	if args := fa.lastCall(catalog.MethodStatusLeader).(*catalog.DCRequest); args.Token != "t" {
		t.Errorf("leader args %+v", args)
	}

	fa.mu.Lock()
	fa.leader, fa.peers = "", nil
	fa.mu.Unlock()
	resp, body := do(t, ts, "GET", "/v1/status/leader", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != `""` {
		t.Errorf("no leader body %q", body)
	}
	_, body = do(t, ts, "GET", "/v1/status/peers", nil)
	if body != "[]" {
		t.Errorf("no peers body %q", body)
	}
}
