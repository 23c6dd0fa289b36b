package server

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/go-uuid"
)

// fakeLAN is a gossip pool whose members the test sets.
type fakeLAN struct {
	mu      sync.Mutex
	members []lan.Member
	reaped  []lan.Member
}

func (f *fakeLAN) Members() []lan.Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]lan.Member(nil), f.members...)
}

func (f *fakeLAN) Reaped() []lan.Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]lan.Member(nil), f.reaped...)
}

func (f *fakeLAN) Subscribe() (<-chan lan.Event, func()) {
	return make(chan lan.Event), func() {}
}

func (f *fakeLAN) ForceLeave(string, bool) error { return nil }

func (f *fakeLAN) set(members, reaped []lan.Member) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members, f.reaped = members, reaped
}

func serverMember(name, id string, addr *net.TCPAddr, expect int) lan.Member {
	return lan.Member{
		Name:   name,
		Addr:   addr.IP,
		Port:   8301,
		Status: lan.StatusAlive,
		Tags:   lan.ServerTags(id, "dc1", addr.Port, expect, false, 3, "test"),
	}
}

// startTestServer starts an in-memory server on a loopback port over
// fake gossip.
func startTestServer(t *testing.T, expect int, gossip *fakeLAN, tune func(*Config)) (*Server, lan.Member) {
	t.Helper()
	return startTestServerWith(t, expect, gossip, tune, nil)
}

// startTestServerWith is startTestServer with extra collaborators set by
// deps (may be nil).
func startTestServerWith(t *testing.T, expect int, gossip *fakeLAN, tune func(*Config), deps func(*Deps)) (*Server, lan.Member) {
	t.Helper()
	ln, err := rpc.Listen("127.0.0.1:0", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	id, _ := uuid.GenerateUUID()
	cfg := DefaultConfig()
	cfg.NodeName = "s1"
	cfg.NodeID = id
	cfg.InMemory = true
	cfg.BootstrapExpect = expect
	cfg.RPCAdvertise = ln.RaftLayer().Addr().(*net.TCPAddr)
	if tune != nil {
		tune(cfg)
	}
	pool := rpc.NewPool()
	t.Cleanup(func() { pool.Close() })
	d := Deps{Listener: ln, Pool: pool, LAN: gossip, Router: wan.NewRouter("dc1")}
	if deps != nil {
		deps(&d)
	}
	s, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	return s, serverMember("s1", id, cfg.RPCAdvertise, expect)
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for i := 0; i < 100000 && !cond(); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
