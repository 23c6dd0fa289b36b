package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

// fakeAgent is an in-memory Agent: just enough of the servers' RPC to
// drive every endpoint, plus a record of each call's arguments.
type fakeAgent struct {
	*fakeLocal
	*fakeEvents

	mu       sync.Mutex
	index    uint64
	kv       map[string]*catalog.KVEntry
	nodes    map[string]*catalog.Node
	services map[string]map[string]*catalog.NodeService // node -> ID -> service
	leader   string
	peers    []string
	errs     map[string]error // forced error per RPC method
	calls    []fakeCall

	// blockMethod, when set, makes that RPC wait for its context to end
	// and report the context's error on canceled.
	blockMethod string
	canceled    chan error

	// authz, when set, decides Authorize.
	authz func(token string) (acl.Authorizer, error)
	acl   *fakeACL

	members    []lan.Member
	joinErr    error
	joined     []string
	left       bool
	forceLeave []string
}

type fakeCall struct {
	method string
	args   interface{}
}

func newFakeAgent() *fakeAgent {
	return &fakeAgent{
		fakeLocal:  newFakeLocal("node1"),
		fakeEvents: &fakeEvents{changed: make(chan struct{})},
		index:      10,
		kv:         map[string]*catalog.KVEntry{},
		nodes:      map[string]*catalog.Node{},
		services:   map[string]map[string]*catalog.NodeService{},
		leader:     "10.0.0.1:8300",
		peers:      []string{"10.0.0.1:8300", "10.0.0.2:8300"},
		errs:       map[string]error{},
		acl:        newFakeACL(),
		members: []lan.Member{{
			Name: "node1", Addr: net.ParseIP("10.0.0.1"), Port: 8301, Status: lan.StatusAlive,
			Tags:        map[string]string{"role": "consul", "dc": "dc1"},
			ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
		}},
	}
}

// newTestServer runs the API over a fake agent behind httptest and returns
// a consul/api client pointed at it.
func newTestServer(t *testing.T, mutate func(*Config)) (*fakeAgent, *httptest.Server, *api.Client) {
	t.Helper()
	fa := newFakeAgent()
	cfg := Config{Datacenter: "dc1"}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg, fa)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	client, err := api.NewClient(&api.Config{Address: ts.URL})
	if err != nil {
		t.Fatalf("api.NewClient: %v", err)
	}
	return fa, ts, client
}

// lastCall returns the arguments of the latest call of method.
func (f *fakeAgent) lastCall(method string) interface{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i].method == method {
			return f.calls[i].args
		}
	}
	return nil
}

func (f *fakeAgent) countCalls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.method == method {
			n++
		}
	}
	return n
}

func (f *fakeAgent) meta() catalog.QueryMeta {
	return catalog.QueryMeta{Index: f.index, KnownLeader: true, LastContact: 3 * time.Millisecond}
}

func datacenterOf(args interface{}) string {
	switch a := args.(type) {
	case *catalog.DCRequest:
		return a.Datacenter
	case *catalog.KeyRequest:
		return a.Datacenter
	case *catalog.KeyListRequest:
		return a.Datacenter
	case *catalog.ServiceRequest:
		return a.Datacenter
	case *catalog.NodeRequest:
		return a.Datacenter
	case *catalog.KVRequest:
		return a.Datacenter
	case *catalog.RegisterRequest:
		return a.Datacenter
	case *catalog.DeregisterRequest:
		return a.Datacenter
	case *catalog.TxnRequest:
		return a.WriteRequest.Datacenter
	case *catalog.ACLRequest:
		return a.Datacenter
	case *catalog.ACLReadRequest:
		return a.Datacenter
	case *catalog.ACLListRequest:
		return a.Datacenter
	}
	return "dc1"
}

func (f *fakeAgent) RPC(ctx context.Context, method string, args, reply interface{}) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{method, args})
	if method == f.blockMethod {
		f.mu.Unlock()
		<-ctx.Done()
		f.canceled <- ctx.Err()
		f.mu.Lock()
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.errs[method]; err != nil {
		return err
	}
	if datacenterOf(args) != "dc1" {
		return fmt.Errorf("%w: %s", catalog.ErrUnknownDC, datacenterOf(args))
	}
	if strings.HasPrefix(method, "ACL.") {
		return f.aclRPC(method, args, reply)
	}
	switch method {
	case catalog.MethodStatusLeader:
		*reply.(*string) = f.leader
	case catalog.MethodStatusPeers:
		*reply.(*[]string) = append([]string(nil), f.peers...)
	case catalog.MethodCatalogDatacenters:
		*reply.(*[]string) = []string{"dc1"}
	case catalog.MethodOperatorRaftConfig:
		*reply.(*catalog.RaftConfigurationResponse) = catalog.RaftConfigurationResponse{
			Servers: []*catalog.RaftServer{{ID: "id1", Node: "node1", Address: "10.0.0.1:8300", Leader: true, ProtocolVersion: "3", Voter: true, LastIndex: 42}},
			Index:   42,
		}
	case catalog.MethodKVApply:
		*reply.(*bool) = f.kvApply(args.(*catalog.KVRequest))
	case catalog.MethodKVGet, catalog.MethodKVList:
		f.kvRead(method, args.(*catalog.KeyRequest), reply.(*catalog.IndexedKVEntries))
	case catalog.MethodKVListKeys:
		f.kvKeys(args.(*catalog.KeyListRequest), reply.(*catalog.IndexedKeyList))
	case catalog.MethodTxnApply:
		f.txn(args.(*catalog.TxnRequest), reply.(*catalog.TxnResponse))
	default:
		return f.catalogRPC(method, args, reply)
	}
	return nil
}

func (f *fakeAgent) kvApply(req *catalog.KVRequest) bool {
	e := req.Entry
	cur := f.kv[e.Key]
	switch req.Op {
	case catalog.KVCAS:
		if (e.ModifyIndex == 0 && cur != nil) || (e.ModifyIndex != 0 && (cur == nil || cur.ModifyIndex != e.ModifyIndex)) {
			return false
		}
		fallthrough
	case catalog.KVSet:
		f.index++
		ne := &catalog.KVEntry{Key: e.Key, Flags: e.Flags, Value: e.Value, CreateIndex: f.index, ModifyIndex: f.index}
		if cur != nil {
			ne.CreateIndex = cur.CreateIndex
		}
		f.kv[e.Key] = ne
	case catalog.KVDeleteCAS:
		if cur == nil || cur.ModifyIndex != e.ModifyIndex {
			return false
		}
		fallthrough
	case catalog.KVDelete:
		f.index++
		delete(f.kv, e.Key)
	case catalog.KVDeleteTree:
		f.index++
		for k := range f.kv {
			if strings.HasPrefix(k, e.Key) {
				delete(f.kv, k)
			}
		}
	default:
		return false
	}
	return true
}

func (f *fakeAgent) sortedKeys(prefix string) []string {
	var keys []string
	for k := range f.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func copyEntry(e *catalog.KVEntry) *catalog.KVEntry {
	c := *e
	c.Value = bytes.Clone(e.Value)
	return &c
}

func (f *fakeAgent) kvRead(method string, req *catalog.KeyRequest, out *catalog.IndexedKVEntries) {
	out.QueryMeta = f.meta()
	if method == catalog.MethodKVGet {
		if e, ok := f.kv[req.Key]; ok {
			out.Entries = []*catalog.KVEntry{copyEntry(e)}
		}
		return
	}
	for _, k := range f.sortedKeys(req.Key) {
		out.Entries = append(out.Entries, copyEntry(f.kv[k]))
	}
}

func (f *fakeAgent) kvKeys(req *catalog.KeyListRequest, out *catalog.IndexedKeyList) {
	out.QueryMeta = f.meta()
	seen := map[string]bool{}
	for _, k := range f.sortedKeys(req.Prefix) {
		if req.Separator != "" {
			if i := strings.Index(k[len(req.Prefix):], req.Separator); i >= 0 {
				k = k[:len(req.Prefix)+i+len(req.Separator)]
			}
		}
		if !seen[k] {
			seen[k] = true
			out.Keys = append(out.Keys, k)
		}
	}
}

// txn applies KV operations all or nothing.
func (f *fakeAgent) txn(req *catalog.TxnRequest, out *catalog.TxnResponse) {
	saved := map[string]*catalog.KVEntry{}
	for k, v := range f.kv {
		saved[k] = v
	}
	savedIndex := f.index
	out.QueryMeta = f.meta()
	for i, op := range req.Ops {
		kv := op.KV
		e := kv.Entry
		var fail string
		switch kv.Verb {
		case catalog.KVGet:
			if cur, ok := f.kv[e.Key]; ok {
				out.Results = append(out.Results, &catalog.TxnResult{KV: copyEntry(cur)})
			} else {
				fail = fmt.Sprintf("key %q doesn't exist", e.Key)
			}
		case catalog.KVGetTree:
			for _, k := range f.sortedKeys(e.Key) {
				out.Results = append(out.Results, &catalog.TxnResult{KV: copyEntry(f.kv[k])})
			}
		case catalog.KVCheckIndex:
			if cur, ok := f.kv[e.Key]; !ok || cur.ModifyIndex != e.ModifyIndex {
				fail = fmt.Sprintf("current modify index for key %q does not match", e.Key)
			}
		case catalog.KVCheckNotExists:
			if _, ok := f.kv[e.Key]; ok {
				fail = fmt.Sprintf("key %q exists", e.Key)
			}
		default:
			if !f.kvApply(&catalog.KVRequest{Op: kv.Verb, Entry: e}) {
				fail = fmt.Sprintf("failed to %s key %q", kv.Verb, e.Key)
			} else if cur, ok := f.kv[e.Key]; ok && kv.Verb.IsWrite() {
				c := copyEntry(cur)
				c.Value = nil
				out.Results = append(out.Results, &catalog.TxnResult{KV: c})
			}
		}
		if fail != "" {
			f.kv, f.index = saved, savedIndex
			out.Results = nil
			out.Errors = append(out.Errors, &catalog.TxnError{OpIndex: i, What: fail})
			return
		}
	}
}
