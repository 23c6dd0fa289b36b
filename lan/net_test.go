package lan

import (
	"fmt"
	"testing"
	"time"
)

// Real UDP/TCP on 127.0.0.1 with kernel-chosen ports and gossip
// encryption: the transport path the agent uses.
func TestPool_RealNetwork(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	start := func(name string) *Pool {
		p, err := New(&Config{
			NodeName:   name,
			BindAddr:   "127.0.0.1",
			BindPort:   0,
			Tags:       map[string]string{"name": name},
			SecretKey:  key,
			Logger:     testLogger(name),
			Memberlist: fastMemberlist(),
		})
		if err != nil {
			t.Fatalf("New(%s): %v", name, err)
		}
		t.Cleanup(func() { _ = p.Shutdown() })
		return p
	}
	a, b := start("real-a"), start("real-b")
	la := a.LocalMember()
	if la.Port == 0 || la.Addr.String() != "127.0.0.1" {
		t.Fatalf("local member address %s:%d", la.Addr, la.Port)
	}
	if n, err := b.Join([]string{fmt.Sprintf("127.0.0.1:%d", la.Port)}); err != nil || n != 1 {
		t.Fatalf("join: n=%d err=%v", n, err)
	}
	allSee(t, "real-a", StatusAlive, a, b)
	allSee(t, "real-b", StatusAlive, a, b)
	if m, _ := member(a, "real-b"); m.Tags["name"] != "real-b" || m.Port != b.LocalMember().Port {
		t.Fatalf("a sees b as %+v", m)
	}
	if a.Stats()["encrypted"] != "true" {
		t.Fatalf("stats: %v", a.Stats())
	}
	if err := b.Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	allSee(t, "real-b", StatusLeft, a)

	// A node without the key cannot join.
	plain, err := New(&Config{NodeName: "plain", BindAddr: "127.0.0.1", Logger: testLogger("plain"), Memberlist: fastMemberlist()})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Shutdown()
	if _, err := plain.Join([]string{fmt.Sprintf("127.0.0.1:%d", la.Port)}); err == nil {
		t.Fatal("unencrypted node joined an encrypted pool")
	}
}
