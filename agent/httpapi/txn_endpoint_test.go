package httpapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/catalog"
)

func TestTxnWithConsulClient(t *testing.T) {
	fa, _, client := newTestServer(t, nil)

	ok, resp, _, err := client.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "a", Value: []byte("1"), Flags: 3}},
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "b", Value: []byte("2")}},
		{KV: &api.KVTxnOp{Verb: api.KVGet, Key: "a"}},
	}, nil)
	if err != nil || !ok {
		t.Fatalf("Txn: ok=%v err=%v resp=%+v", ok, err, resp)
	}
	if len(resp.Results) != 3 || resp.Errors != nil {
		t.Fatalf("results %+v errors %+v", resp.Results, resp.Errors)
	}
	got := resp.Results[2].KV
	if got.Key != "a" || string(got.Value) != "1" || got.Flags != 3 {
		t.Errorf("get result %+v", got)
	}
	args := fa.lastCall(catalog.MethodTxnApply).(*catalog.TxnRequest)
	if args.WriteRequest.Datacenter != "dc1" || len(args.Ops) != 3 || args.Ops[0].KV.Entry.Flags != 3 {
		t.Errorf("txn args %+v", args)
	}

	// A failed check rolls back and answers 409 with the errors.
	ok, kvResp, _, err := client.KV().Txn(api.KVTxnOps{
		{Verb: api.KVSet, Key: "c", Value: []byte("3")},
		{Verb: api.KVCheckIndex, Key: "a", Index: 999},
	}, nil)
	if err != nil || ok {
		t.Fatalf("KV Txn: ok=%v err=%v", ok, err)
	}
	if len(kvResp.Errors) != 1 || kvResp.Errors[0].OpIndex != 1 || kvResp.Errors[0].What == "" {
		t.Errorf("errors %+v", kvResp.Errors)
	}
	if pair, _, _ := client.KV().Get("c", nil); pair != nil {
		t.Errorf("rolled back write is visible: %+v", pair)
	}

	// A read-only transaction takes ?stale and answers leader headers.
	ok, resp, meta, err := client.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVGetTree, Key: ""}},
	}, &api.QueryOptions{AllowStale: true})
	if err != nil || !ok || len(resp.Results) != 2 || !meta.KnownLeader {
		t.Fatalf("read txn: ok=%v err=%v resp=%+v meta=%+v", ok, err, resp, meta)
	}
	if args := fa.lastCall(catalog.MethodTxnApply).(*catalog.TxnRequest); !args.AllowStale {
		t.Errorf("read-only txn lost ?stale: %+v", args.QueryOptions)
	}
}

func TestTxnRawHTTP(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	op := func(verb, key, value string) string {
		return fmt.Sprintf(`{"KV":{"Verb":%q,"Key":%q,"Value":%q}}`, verb, key, base64.StdEncoding.EncodeToString([]byte(value)))
	}

	var ops []string
	for i := 0; i <= catalog.MaxTxnOps; i++ {
		ops = append(ops, op("set", fmt.Sprintf("k%d", i), "v"))
	}
	resp, body := do(t, ts, "PUT", "/v1/txn", strings.NewReader("["+strings.Join(ops, ",")+"]"))
	expectStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if body != "Transaction contains too many operations (129 > 128)" {
		t.Errorf("too many ops body %q", body)
	}

	bigValue := strings.Repeat("x", catalog.MaxKVSize+1)
	resp, body = do(t, ts, "PUT", "/v1/txn", strings.NewReader("["+op("set", "big", bigValue)+"]"))
	expectStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if !strings.HasPrefix(body, `Value for key "big" is too large (524289 > 524288 bytes)`) {
		t.Errorf("big value body %q", body)
	}

	bad := []struct{ body, want string }{
		{"[" + op("frobnicate", "a", "") + "]", `Operation 0: unknown KV verb "frobnicate"`},
		{"[" + op("lock", "a", "") + "]", "Operation 0: lock needs a Session"},
		{`[{"Node":{"Verb":"get","Node":{"Node":"n1"}}}]`, "Operation 0: only KV operations are supported in transactions yet"},
		{`[{}]`, "Operation 0 has no KV member"},
		{`[{"KV":{"Verb":"set","Key":"a","Value":"not base64!"}}]`, "Request decode failed: "},
		{`{"KV":{}}`, "Request decode failed: "},
	}
	for _, c := range bad {
		resp, body := do(t, ts, "PUT", "/v1/txn", strings.NewReader(c.body))
		expectStatus(t, resp, body, http.StatusBadRequest)
		if !strings.HasPrefix(body, c.want) {
			t.Errorf("%s: body %q, want %q", c.body, body, c.want)
		}
	}
	if n := fa.countCalls(catalog.MethodTxnApply); n != 0 {
		t.Errorf("%d transactions applied for rejected bodies", n)
	}

	resp, body = do(t, ts, "PUT", "/v1/txn", strings.NewReader("["+op("set", "a", "1")+"]"))
	expectStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `"Errors":null`) || !strings.Contains(body, `"Results":[{"KV":{`) {
		t.Errorf("success body %s", body)
	}
	resp, body = do(t, ts, "PUT", "/v1/txn", strings.NewReader(`[{"KV":{"Verb":"check-not-exists","Key":"a"}}]`))
	expectStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, `"Results":null`) || !strings.Contains(body, `"Errors":[{"OpIndex":0,"What":`) {
		t.Errorf("conflict body %s", body)
	}
}
