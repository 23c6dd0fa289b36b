package wan

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

func TestRouterKnowsOnlyLocal(t *testing.T) {
	r := NewRouter("DC1")
	if got := r.Datacenters(); len(got) != 1 || got[0] != "dc1" {
		t.Fatalf("datacenters = %v", got)
	}
	for _, dc := range []string{"", "dc1", "DC1"} {
		if err := r.Check(dc); err != nil {
			t.Fatalf("Check(%q) = %v", dc, err)
		}
	}
	err := r.Check("dc2")
	if !errors.Is(err, catalog.ErrUnknownDC) {
		t.Fatalf("Check(dc2) = %v", err)
	}
	// The text survives the RPC boundary as the same sentinel.
	if !errors.Is(catalog.ErrorFromWire(err.Error()), catalog.ErrUnknownDC) {
		t.Fatalf("wire round trip lost identity: %v", err)
	}
}

func server(node, dc, ip string, port int, status lan.MemberStatus) lan.Member {
	return lan.Member{
		Name:   MemberName(node, dc),
		Addr:   net.ParseIP(ip),
		Status: status,
		Tags:   lan.ServerTags("id-"+node, dc, port, 0, false, 3, "test"),
	}
}

type fixedRTT map[string]time.Duration

func (f fixedRTT) DatacenterRTT(dc string) (time.Duration, bool) {
	d, ok := f[dc]
	return d, ok
}

func TestRouterFollowsWANMembers(t *testing.T) {
	r := NewRouter("dc1")
	r.Update([]lan.Member{
		server("a", "dc1", "127.0.0.1", 8300, lan.StatusAlive),
		server("b", "dc2", "127.0.0.2", 8300, lan.StatusAlive),
		server("c", "dc2", "127.0.0.3", 8300, lan.StatusAlive),
		server("d", "dc3", "127.0.0.4", 8300, lan.StatusFailed),
		server("e", "dc4", "127.0.0.5", 8300, lan.StatusLeft),
		{Name: "client", Addr: net.ParseIP("127.0.0.9"), Status: lan.StatusAlive, Tags: lan.ClientTags("x", "dc5", "t")},
	})
	if got := r.Datacenters(); !slices.Equal(got, []string{"dc1", "dc2", "dc3"}) {
		t.Fatalf("datacenters = %v", got)
	}
	addrs, err := r.Servers("DC2")
	if err != nil || !slices.Equal(addrs, []string{"127.0.0.2:8300", "127.0.0.3:8300"}) {
		t.Fatalf("dc2 servers = %v, %v", addrs, err)
	}
	// Failover: a failed server moves to the back, and calls stick to
	// the next one.
	r.Failed("dc2", "127.0.0.2:8300")
	if addrs, _ := r.Servers("dc2"); addrs[0] != "127.0.0.3:8300" {
		t.Fatalf("after a failure: %v", addrs)
	}
	// Known but with no alive server, unknown, left: all "No path".
	for _, dc := range []string{"dc3", "dc4", "dc5", "dc9"} {
		if err := r.Check(dc); !errors.Is(err, catalog.ErrUnknownDC) {
			t.Errorf("Check(%s) = %v", dc, err)
		}
	}
	// A datacenter whose servers all left is forgotten.
	r.Update([]lan.Member{server("b", "dc2", "127.0.0.2", 8300, lan.StatusAlive)})
	if got := r.Datacenters(); !slices.Equal(got, []string{"dc1", "dc2"}) {
		t.Fatalf("datacenters = %v", got)
	}
}

func TestRouterOrdersByRTTWhenEstimated(t *testing.T) {
	r := NewRouter("dc1")
	r.Update([]lan.Member{
		server("b", "dc2", "127.0.0.2", 8300, lan.StatusAlive),
		server("c", "dc3", "127.0.0.3", 8300, lan.StatusAlive),
		server("d", "dc4", "127.0.0.4", 8300, lan.StatusAlive),
	})
	if got := r.Datacenters(); !slices.Equal(got, []string{"dc1", "dc2", "dc3", "dc4"}) {
		t.Fatalf("by name = %v", got)
	}
	// dc3 is nearer than dc4; dc2 has no estimate and goes last.
	r.SetRTTEstimator(fixedRTT{"dc3": 10 * time.Millisecond, "dc4": 80 * time.Millisecond})
	if got := r.Datacenters(); !slices.Equal(got, []string{"dc1", "dc3", "dc4", "dc2"}) {
		t.Fatalf("by RTT = %v", got)
	}
}
