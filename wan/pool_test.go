package wan

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/memberlist"
)

func startPool(t *testing.T, node, dc string, faults *Faults) *Pool {
	t.Helper()
	// Gossip to the dead stops at once, so only a reconnect can heal a
	// partition.
	mc := memberlist.DefaultLocalConfig()
	mc.GossipToTheDeadTime = 50 * time.Millisecond
	p, err := New(&Config{
		NodeName: node, Datacenter: dc, BindAddr: "127.0.0.1",
		Tags:   lan.ServerTags("id-"+node, dc, 8300, 0, false, 3, "test"),
		Faults: faults,
		// Reconnects heal the partition below.
		ReconnectInterval: 100 * time.Millisecond,
		Memberlist:        mc,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

func addr(p *Pool) string {
	m := p.LocalMember()
	return net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
}

func waitFor(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for i := 0; i < 3000; i++ {
		if err = cond(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
}

func statusOf(p *Pool, name string) lan.MemberStatus {
	for _, m := range p.Members() {
		if m.Name == name {
			return m.Status
		}
	}
	return lan.StatusNone
}

// TestPoolPartitionAndHeal: two servers of two datacenters join by
// address, a Faults partition makes each see the other failed and the
// router lose the path, and healing brings it back.
func TestPoolPartitionAndHeal(t *testing.T) {
	faults := NewFaults()
	a := startPool(t, "s1", "dc1", faults)
	b := startPool(t, "s1", "dc2", faults)
	if _, err := b.Join([]string{addr(a)}); err != nil {
		t.Fatal(err)
	}
	r := NewRouter("dc1")
	stop := r.Watch(a)
	defer stop()
	waitFor(t, "joined", func() error {
		if statusOf(a, "s1.dc2") != lan.StatusAlive || r.Check("dc2") != nil {
			return fmt.Errorf("a sees s1.dc2 %v; router: %v", statusOf(a, "s1.dc2"), r.Check("dc2"))
		}
		return nil
	})
	faults.Partition([]string{addr(a)}, []string{addr(b)})
	waitFor(t, "partitioned", func() error {
		if statusOf(a, "s1.dc2") != lan.StatusFailed || r.Check("dc2") == nil {
			return fmt.Errorf("a sees s1.dc2 %v", statusOf(a, "s1.dc2"))
		}
		return nil
	})
	faults.Heal()
	// Nobody joins again: the pools' reconnects find each other.
	waitFor(t, "healed", func() error {
		if statusOf(a, "s1.dc2") != lan.StatusAlive || r.Check("dc2") != nil {
			return fmt.Errorf("a sees s1.dc2 %v", statusOf(a, "s1.dc2"))
		}
		return nil
	})
}
