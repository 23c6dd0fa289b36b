package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/consul/api"
)

type fakeKeyringCall struct {
	op  lan.KeyringOp
	key string
}

// Keyring records the call and answers for a two-member pool holding
// "K1"; the key "fails-on-node2" makes node2 report an error and
// "bad" is refused as a bad request.
func (f *fakeAgent) Keyring(_ context.Context, op lan.KeyringOp, key string) ([]KeyringResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{method: "Keyring", args: fakeKeyringCall{op, key}})
	if key == "bad" {
		return nil, catalog.BadRequestf("Invalid key: not valid base64")
	}
	resp := KeyringResponse{Datacenter: "dc1", NumNodes: 2,
		Keys: map[string]int{"K1": 2}, PrimaryKeys: map[string]int{"K1": 2}}
	if key == "fails-on-node2" {
		resp.Error = "1/2 nodes reported failure"
		resp.Messages = map[string]string{"node2": "removing the primary key is not allowed"}
	}
	return []KeyringResponse{resp}, nil
}

func TestOperatorKeyring(t *testing.T) {
	fa, ts, client := newTestServer(t, nil)
	op := client.Operator()

	list, err := op.KeyringList(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &api.KeyringResponse{Datacenter: "dc1", NumNodes: 2, Messages: map[string]string{},
		Keys: map[string]int{"K1": 2}, PrimaryKeys: map[string]int{"K1": 2}}
	if len(list) != 1 || !reflect.DeepEqual(list[0], want) {
		t.Fatalf("list %+v", list)
	}
	for _, tc := range []struct {
		call func(string, *api.WriteOptions) error
		op   lan.KeyringOp
	}{
		{op.KeyringInstall, lan.KeyringInstall},
		{op.KeyringUse, lan.KeyringUse},
		{op.KeyringRemove, lan.KeyringRemove},
	} {
		if err := tc.call("K2", nil); err != nil {
			t.Fatalf("%s: %v", tc.op, err)
		}
		if got := fa.lastCall("Keyring"); got != (fakeKeyringCall{tc.op, "K2"}) {
			t.Fatalf("%s: agent called with %+v", tc.op, got)
		}
	}

	err = op.KeyringRemove("fails-on-node2", nil)
	if err == nil || !strings.Contains(err.Error(), "500") ||
		!strings.Contains(err.Error(), "dc1 (LAN) error: 1/2 nodes reported failure") ||
		!strings.Contains(err.Error(), "node2: removing the primary key is not allowed") {
		t.Fatalf("member failure: %v", err)
	}
	if err := op.KeyringInstall("bad", nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("bad key: %v", err)
	}

	// A write without a body is a 400; other methods are refused.
	for method, code := range map[string]int{http.MethodPost: 400, http.MethodPatch: 405} {
		req, _ := http.NewRequest(method, ts.URL+"/v1/operator/keyring", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Fatalf("%s without a body: %d, want %d", method, resp.StatusCode, code)
		}
	}
}
