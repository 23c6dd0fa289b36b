package agent_test

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

func TestKVCASRules(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	kv := c.KV()

	// cas=0 creates only if absent.
	ok, _, err := kv.CAS(&api.KVPair{Key: "cfg/a", Value: []byte("1"), ModifyIndex: 0}, nil)
	if err != nil || !ok {
		t.Fatalf("first cas=0: ok=%v err=%v", ok, err)
	}
	ok, _, err = kv.CAS(&api.KVPair{Key: "cfg/a", Value: []byte("2"), ModifyIndex: 0}, nil)
	if err != nil || ok {
		t.Fatalf("second cas=0 must fail: ok=%v err=%v", ok, err)
	}
	cur, _, err := kv.Get("cfg/a", nil)
	if err != nil || string(cur.Value) != "1" {
		t.Fatalf("value after refused cas: %v %v", cur, err)
	}

	// A stale index is refused; the current one is accepted.
	ok, _, _ = kv.CAS(&api.KVPair{Key: "cfg/a", Value: []byte("3"), ModifyIndex: cur.ModifyIndex - 1}, nil)
	if ok {
		t.Fatal("cas with a stale index succeeded")
	}
	ok, _, _ = kv.CAS(&api.KVPair{Key: "cfg/a", Value: []byte("3"), ModifyIndex: cur.ModifyIndex}, nil)
	if !ok {
		t.Fatal("cas with the current index failed")
	}

	// delete-cas follows the same rule.
	now, _, _ := kv.Get("cfg/a", nil)
	if ok, _, _ := kv.DeleteCAS(&api.KVPair{Key: "cfg/a", ModifyIndex: now.ModifyIndex - 1}, nil); ok {
		t.Fatal("delete-cas with a stale index succeeded")
	}
	if ok, _, _ := kv.DeleteCAS(&api.KVPair{Key: "cfg/a", ModifyIndex: now.ModifyIndex}, nil); !ok {
		t.Fatal("delete-cas with the current index failed")
	}
	if p, _, _ := kv.Get("cfg/a", nil); p != nil {
		t.Fatalf("key survived delete-cas: %v", p)
	}
}

func TestKVRecurseKeysSeparator(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	kv := c.KV()
	for _, k := range []string{"app/a", "app/b/c", "app/b/d", "app/e/f/g", "other/x"} {
		if _, err := kv.Put(&api.KVPair{Key: k, Value: []byte(k), Flags: 42}, nil); err != nil {
			t.Fatal(err)
		}
	}
	pairs, _, err := kv.List("app/", nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range pairs {
		keys = append(keys, p.Key)
		if p.Flags != 42 || string(p.Value) != p.Key {
			t.Fatalf("entry %+v lost its flags or value", p)
		}
	}
	if want := []string{"app/a", "app/b/c", "app/b/d", "app/e/f/g"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("recurse: %v, want %v", keys, want)
	}
	got, _, err := kv.Keys("app/", "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"app/a", "app/b/", "app/e/"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("keys with separator: %v, want %v", got, want)
	}
	got, _, _ = kv.Keys("app/", "", nil)
	if len(got) != 4 {
		t.Fatalf("keys without separator: %v", got)
	}
	if _, err := kv.DeleteTree("app/b/", nil); err != nil {
		t.Fatal(err)
	}
	got, _, _ = kv.Keys("", "", nil)
	if want := []string{"app/a", "app/e/f/g", "other/x"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after delete-tree: %v, want %v", got, want)
	}
}

func TestTxnRollsBackAsAWhole(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	kv := c.KV()
	if _, err := kv.Put(&api.KVPair{Key: "txn/existing", Value: []byte("old")}, nil); err != nil {
		t.Fatal(err)
	}
	ops := api.KVTxnOps{
		{Verb: api.KVSet, Key: "txn/new", Value: []byte("x")},
		{Verb: api.KVSet, Key: "txn/existing", Value: []byte("new")},
		{Verb: api.KVCheckNotExists, Key: "txn/existing"},
	}
	ok, resp, _, err := kv.Txn(ops, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok || len(resp.Errors) != 1 || resp.Errors[0].OpIndex != 2 {
		t.Fatalf("want a rollback naming op 2, got ok=%v errors=%+v", ok, resp.Errors)
	}
	if p, _, _ := kv.Get("txn/new", nil); p != nil {
		t.Fatal("rolled-back set is visible")
	}
	if p, _, _ := kv.Get("txn/existing", nil); string(p.Value) != "old" {
		t.Fatalf("rolled-back overwrite is visible: %q", p.Value)
	}

	// The same ops without the failing check commit together.
	ok, resp, _, err = kv.Txn(append(ops[:2:2], &api.KVTxnOp{Verb: api.KVGet, Key: "txn/existing"}), nil)
	if err != nil || !ok {
		t.Fatalf("txn: ok=%v err=%v errors=%+v", ok, err, resp)
	}
	if got := string(resp.Results[2].Value); got != "new" {
		t.Fatalf("get inside txn saw %q", got)
	}
}

func TestBlockingQueryWakesOnlyForItsKey(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	kv := c.KV()
	if _, err := kv.Put(&api.KVPair{Key: "watch/me", Value: []byte("0")}, nil); err != nil {
		t.Fatal(err)
	}
	_, meta, err := kv.Get("watch/me", nil)
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		at    time.Time
		index uint64
		value string
	}
	done := make(chan result, 1)
	go func() {
		p, m, err := kv.Get("watch/me", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 30 * time.Second})
		if err != nil || p == nil {
			done <- result{}
			return
		}
		done <- result{at: time.Now(), index: m.LastIndex, value: string(p.Value)}
	}()
	time.Sleep(200 * time.Millisecond)

	// Writes under another prefix must not wake the watcher.
	for i := 0; i < 5; i++ {
		if _, err := kv.Put(&api.KVPair{Key: fmt.Sprintf("elsewhere/%d", i), Value: []byte("x")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case r := <-done:
		t.Fatalf("watcher woke for a write to another prefix: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}

	wrote := time.Now()
	if _, err := kv.Put(&api.KVPair{Key: "watch/me", Value: []byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
	acked := time.Now()
	select {
	case r := <-done:
		if r.value != "1" || r.index <= meta.LastIndex {
			t.Fatalf("watcher returned %+v", r)
		}
		if lat := r.at.Sub(acked); lat > 100*time.Millisecond {
			t.Fatalf("watcher woke %v after the write was acknowledged (sent %v before)", lat, acked.Sub(wrote))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watcher did not wake within 5s of the write")
	}
}

func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	_, addr, c := agenttest.StartDev(t)
	base := "http://" + addr
	do := func(method, path string, body []byte) (int, string) {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	_, before, _ := c.KV().Get("probe", nil)

	cases := []struct {
		name, method, path string
		body               []byte
		status             int
		msg                string
	}{
		{"malformed register", "PUT", "/v1/catalog/register", []byte(`{"Node": "n1", "Address": `), 400, "decode"},
		{"malformed txn", "PUT", "/v1/txn", []byte(`[{"KV": `), 400, "decode"},
		{"bad index", "GET", "/v1/kv/probe?index=abc", nil, 400, "index"},
		{"bad flags", "PUT", "/v1/kv/probe?flags=-1", []byte("x"), 400, "flags"},
		{"value too large", "PUT", "/v1/kv/big", bytes.Repeat([]byte("x"), 512*1024+1), 413, "524288"},
		{"unknown path", "GET", "/v1/nope", nil, 404, ""},
		{"wrong method", "POST", "/v1/status/leader", nil, 405, "POST"},
		{"missing node", "PUT", "/v1/catalog/register", []byte(`{"Address": "10.0.0.1"}`), 400, "node"},
	}
	for _, tc := range cases {
		status, body := do(tc.method, tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, status, tc.status, body)
		}
		if tc.msg != "" && !strings.Contains(strings.ToLower(body), strings.ToLower(tc.msg)) {
			t.Errorf("%s: message %q does not mention %q", tc.name, body, tc.msg)
		}
	}
	// Nothing was written: the index did not move and no key appeared.
	_, after, _ := c.KV().Get("probe", nil)
	if after.LastIndex != before.LastIndex {
		t.Fatalf("index moved from %d to %d after refused requests", before.LastIndex, after.LastIndex)
	}
	if p, _, _ := c.KV().Get("big", nil); p != nil {
		t.Fatal("oversized value was written")
	}
}

func TestCatalogRegisterAndListWithTags(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	cat := c.Catalog()
	for i, tags := range [][]string{{"primary", "v1"}, {"replica", "v1"}, {"replica", "v2"}} {
		_, err := cat.Register(&api.CatalogRegistration{
			Node:    fmt.Sprintf("db%d", i+1),
			Address: fmt.Sprintf("10.0.0.%d", i+1),
			Service: &api.AgentService{ID: "mariadb", Service: "mariadb", Tags: tags, Port: 3306},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	svcs, _, err := cat.Services(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := svcs["mariadb"]; !reflect.DeepEqual(got, []string{"primary", "replica", "v1", "v2"}) {
		t.Fatalf("services: %v", svcs)
	}
	replicas, _, err := cat.Service("mariadb", "replica", nil)
	if err != nil || len(replicas) != 2 || replicas[0].Node != "db2" || replicas[0].ServicePort != 3306 || replicas[0].Address != "10.0.0.2" {
		t.Fatalf("replicas: %+v %v", replicas, err)
	}
	both, _, _ := cat.ServiceMultipleTags("mariadb", []string{"replica", "v2"}, nil)
	if len(both) != 1 || both[0].Node != "db3" {
		t.Fatalf("replica+v2: %+v", both)
	}
	node, _, err := cat.Node("db1", nil)
	if err != nil || node == nil || node.Services["mariadb"] == nil || node.Node.Datacenter != "dc1" {
		t.Fatalf("node: %+v %v", node, err)
	}
	if _, err := cat.Deregister(&api.CatalogDeregistration{Node: "db1"}, nil); err != nil {
		t.Fatal(err)
	}
	all, _, _ := cat.Service("mariadb", "", nil)
	if len(all) != 2 {
		t.Fatalf("after deregister: %d instances", len(all))
	}
}

func TestConsistencyModesAndHeaders(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	if _, err := c.KV().Put(&api.KVPair{Key: "k", Value: []byte("v")}, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []*api.QueryOptions{nil, {AllowStale: true}, {RequireConsistent: true}} {
		p, meta, err := c.KV().Get("k", q)
		if err != nil || string(p.Value) != "v" {
			t.Fatalf("%+v: %v %v", q, p, err)
		}
		if !meta.KnownLeader || meta.LastIndex == 0 {
			t.Fatalf("%+v: meta %+v", q, meta)
		}
	}
	// Another datacenter is a clear error until federation exists.
	_, _, err := c.KV().Get("k", &api.QueryOptions{Datacenter: "dc2"})
	if err == nil || !strings.Contains(err.Error(), "No path to datacenter") {
		t.Fatalf("dc2: %v", err)
	}
}
