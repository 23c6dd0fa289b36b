package server

import (
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestValidateRegister(t *testing.T) {
	cases := []struct {
		name string
		req  catalog.RegisterRequest
		ok   bool
	}{
		{"node and address", catalog.RegisterRequest{Node: "n", Address: "10.0.0.1"}, true},
		{"no node", catalog.RegisterRequest{Address: "10.0.0.1"}, false},
		{"no address", catalog.RegisterRequest{Node: "n"}, false},
		{"skip node update without address", catalog.RegisterRequest{Node: "n", SkipNodeUpdate: true}, true},
		{"service without name", catalog.RegisterRequest{Node: "n", Address: "a", Service: &catalog.NodeService{ID: "x"}}, false},
		{"service port out of range", catalog.RegisterRequest{Node: "n", Address: "a", Service: &catalog.NodeService{Service: "web", Port: 70000}}, false},
		{"bad check status", catalog.RegisterRequest{Node: "n", Address: "a", Check: &catalog.HealthCheck{CheckID: "c", Status: "green"}}, false},
		{"check for another node", catalog.RegisterRequest{Node: "n", Address: "a", Check: &catalog.HealthCheck{CheckID: "c", Node: "m"}}, false},
		{"check without id or name", catalog.RegisterRequest{Node: "n", Address: "a", Checks: catalog.HealthChecks{{Status: "passing"}}}, false},
	}
	for _, tc := range cases {
		err := validateRegister(&tc.req)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err=%v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !catalog.IsBadRequest(err) {
			t.Errorf("%s: %v is not a bad request", tc.name, err)
		}
	}
	r := catalog.RegisterRequest{Node: "n", Address: "a", Service: &catalog.NodeService{Service: "web"}}
	if err := validateRegister(&r); err != nil || r.Service.ID != "web" {
		t.Fatalf("service ID defaults to its name: %v %q", err, r.Service.ID)
	}
}

func TestValidateKVOp(t *testing.T) {
	big := make([]byte, catalog.MaxKVSize+1)
	cases := []struct {
		op catalog.KVOp
		e  catalog.KVEntry
		ok bool
	}{
		{catalog.KVSet, catalog.KVEntry{Key: "k"}, true},
		{catalog.KVSet, catalog.KVEntry{}, false},
		{catalog.KVDeleteTree, catalog.KVEntry{}, true},
		{catalog.KVCAS, catalog.KVEntry{Key: "k", Value: big}, false},
		{catalog.KVLock, catalog.KVEntry{Key: "k"}, false},
		{catalog.KVLock, catalog.KVEntry{Key: "k", Session: "s"}, true},
		{catalog.KVUnlock, catalog.KVEntry{Key: "", Session: "s"}, false},
		{"frobnicate", catalog.KVEntry{Key: "k"}, false},
	}
	for _, tc := range cases {
		if err := validateKVOp(tc.op, &tc.e); (err == nil) != tc.ok {
			t.Errorf("%s %q: err=%v, want ok=%v", tc.op, tc.e.Key, err, tc.ok)
		}
	}
}

func TestTombstoneGCReapsOnlyPastTTL(t *testing.T) {
	g := newTombstoneGC(15 * time.Minute)
	t0 := time.Unix(1000, 0)
	if got := g.observe(t0, 10); got != 0 {
		t.Fatalf("nothing is old yet, got %d", got)
	}
	if got := g.observe(t0.Add(10*time.Minute), 20); got != 0 {
		t.Fatalf("10 min is under the TTL, got %d", got)
	}
	if got := g.observe(t0.Add(16*time.Minute), 30); got != 10 {
		t.Fatalf("the sample from 16 min ago is reapable, got %d", got)
	}
	if got := g.observe(t0.Add(40*time.Minute), 40); got != 30 {
		t.Fatalf("want the newest sample older than the TTL (30), got %d", got)
	}
}

func TestValidateTxnSaysBadRequestOnce(t *testing.T) {
	cases := []struct {
		name string
		ops  catalog.TxnOps
		want string
	}{
		{"missing key", catalog.TxnOps{{KV: &catalog.TxnKVOp{Verb: catalog.KVSet}}},
			"Bad request: operation 0: Missing key name"},
		{"value too large", catalog.TxnOps{
			{KV: &catalog.TxnKVOp{Verb: catalog.KVGet, Entry: catalog.KVEntry{Key: "a"}}},
			{KV: &catalog.TxnKVOp{Verb: catalog.KVSet, Entry: catalog.KVEntry{Key: "k", Value: make([]byte, catalog.MaxKVSize+1)}}}},
			"Bad request: operation 1: value of 524289 bytes exceeds the limit of 524288 bytes"},
		{"unknown verb", catalog.TxnOps{{KV: &catalog.TxnKVOp{Verb: "frobnicate"}}},
			`Bad request: operation 0: unknown KV verb "frobnicate"`},
		{"not KV", catalog.TxnOps{{}},
			"Bad request: operation 0 has no KV part; only KV operations are supported"},
	}
	for _, tc := range cases {
		_, err := validateTxn(tc.ops)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
		// Over the wire the error keeps its kind and its text.
		if wire := catalog.ErrorFromWire(err.Error()); !catalog.IsBadRequest(wire) || wire.Error() != tc.want {
			t.Errorf("%s: from the wire %v", tc.name, wire)
		}
	}
}

func TestServerRefusesUnstorableKeys(t *testing.T) {
	for _, key := range []string{"a\x00b", "a\xffb"} {
		if err := validateKVOp(catalog.KVSet, &catalog.KVEntry{Key: key}); !catalog.IsBadRequest(err) {
			t.Errorf("set %q: err %v, want a bad request", key, err)
		}
		if err := validateKVOp(catalog.KVDeleteTree, &catalog.KVEntry{Key: key}); !catalog.IsBadRequest(err) {
			t.Errorf("delete-tree %q: err %v, want a bad request", key, err)
		}
		ops := catalog.TxnOps{{KV: &catalog.TxnKVOp{Verb: catalog.KVGet, Entry: catalog.KVEntry{Key: key}}}}
		if _, err := validateTxn(ops); !catalog.IsBadRequest(err) {
			t.Errorf("txn get %q: err %v, want a bad request", key, err)
		}
		ops[0].KV.Verb = catalog.KVSet
		if _, err := validateTxn(ops); !catalog.IsBadRequest(err) {
			t.Errorf("txn set %q: err %v, want a bad request", key, err)
		}
	}
	for _, key := range []string{"a//b", "a/../b", "é/x"} {
		if err := validateKVOp(catalog.KVSet, &catalog.KVEntry{Key: key}); err != nil {
			t.Errorf("set %q: %v", key, err)
		}
	}
}

func TestValidateSession(t *testing.T) {
	s := &Server{cfg: DefaultConfig()}
	cases := []struct {
		name string
		req  catalog.SessionRequest
		bad  bool // a 400
		ttl  bool // Consul's 500 "Invalid Session TTL"
	}{
		{"defaults", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n"}}, false, false},
		{"patroni ttl", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n", TTL: "15.0s"}}, false, false},
		{"no node", catalog.SessionRequest{Op: catalog.SessionCreate}, true, false},
		{"bad behavior", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n", Behavior: "x"}}, true, false},
		{"lock delay too long", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n", LockDelay: time.Hour}}, true, false},
		{"unparsable ttl", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n", TTL: "soon"}}, true, false},
		{"ttl too short", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n", TTL: "9s"}}, false, true},
		{"ttl too long", catalog.SessionRequest{Op: catalog.SessionCreate, Session: catalog.Session{Node: "n", TTL: "86401s"}}, false, true},
		{"destroy without ID", catalog.SessionRequest{Op: catalog.SessionDestroy}, true, false},
		{"unknown op", catalog.SessionRequest{Op: "renew"}, true, false},
	}
	for _, tc := range cases {
		err := s.validateSession(&tc.req)
		switch {
		case tc.bad:
			if !catalog.IsBadRequest(err) {
				t.Errorf("%s: %v, want a bad request", tc.name, err)
			}
		case tc.ttl:
			if err == nil || catalog.IsBadRequest(err) || !strings.HasPrefix(err.Error(), "Invalid Session TTL") {
				t.Errorf("%s: %v, want Consul's TTL error", tc.name, err)
			}
		default:
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
	}
}

func TestSessionTimers(t *testing.T) {
	timers := newSessionTimers()
	fired := make(chan string, 4)
	timers.reset("a", 20*time.Millisecond, func() { fired <- "a" })
	timers.reset("b", 20*time.Millisecond, func() { fired <- "b" })
	// Resetting a pushes it back; stopping b cancels it.
	timers.reset("a", 150*time.Millisecond, func() { fired <- "a" })
	timers.stop("b")
	select {
	case id := <-fired:
		t.Fatalf("%s fired early", id)
	case <-time.After(80 * time.Millisecond):
	}
	select {
	case id := <-fired:
		if id != "a" {
			t.Fatalf("%s fired", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a never fired")
	}
	if timers.len() != 0 {
		t.Fatalf("%d timers left", timers.len())
	}
	timers.reset("c", time.Hour, func() {})
	timers.stopAll()
	if timers.len() != 0 {
		t.Fatal("stopAll left timers")
	}
}
