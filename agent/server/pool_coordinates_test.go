package server

import (
	"net"
	"testing"
	"time"

	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/serf/coordinate"
)

// fakeCoordPool is a pool of servers with fixed coordinates.
type fakeCoordPool struct {
	self    string
	members []lan.Member
	coords  map[string]*coordinate.Coordinate
}

func (f *fakeCoordPool) Members() []lan.Member { return f.members }
func (f *fakeCoordPool) Coordinate() (*coordinate.Coordinate, bool) {
	c, ok := f.coords[f.self]
	return c, ok
}
func (f *fakeCoordPool) CachedCoordinate(name string) (*coordinate.Coordinate, bool) {
	c, ok := f.coords[name]
	return c, ok
}

func wanServer(name, dc string, status lan.MemberStatus) lan.Member {
	return lan.Member{Name: name, Addr: net.IPv4(127, 0, 0, 1), Status: status,
		Tags: lan.ServerTags("id-"+name, dc, 8300, 0, false, 3, "test")}
}

func TestPoolCoordinates(t *testing.T) {
	pool := &fakeCoordPool{
		self: "s1.dc1",
		members: []lan.Member{
			wanServer("s1.dc1", "dc1", lan.StatusAlive),
			wanServer("a.dc2", "dc2", lan.StatusAlive),
			wanServer("b.dc2", "dc2", lan.StatusAlive),
			wanServer("c.dc2", "dc2", lan.StatusAlive),
			wanServer("gone.dc2", "dc2", lan.StatusFailed),
			wanServer("x.dc3", "dc3", lan.StatusAlive),
			wanServer("nocoord.dc4", "dc4", lan.StatusAlive),
		},
		coords: map[string]*coordinate.Coordinate{
			"s1.dc1":   coordAt(0),
			"a.dc2":    coordAt(0.010),
			"b.dc2":    coordAt(0.030),
			"c.dc2":    coordAt(0.500),
			"gone.dc2": coordAt(0.001),
			"x.dc3":    coordAt(0.020),
		},
	}
	pc := PoolCoordinates{Pool: pool}
	maps, err := pc.DatacenterCoordinates()
	if err != nil || len(maps) != 3 || maps[0].Datacenter != "dc1" || maps[1].Datacenter != "dc2" || maps[2].Datacenter != "dc3" {
		t.Fatalf("datacenters: %+v, %v", maps, err)
	}
	got := map[string]int{}
	for _, m := range maps {
		got[m.Datacenter] = len(m.Coordinates)
		if m.AreaID != "wan" {
			t.Errorf("AreaID %q", m.AreaID)
		}
	}
	if got["dc1"] != 1 || got["dc2"] != 3 || got["dc3"] != 1 || len(got) != 3 {
		t.Fatalf("servers per datacenter: %v (failed servers and servers without a coordinate left out)", got)
	}
	// The median of 10, 30 and 500 ms (plus heights) is b's.
	rtt, ok := pc.DatacenterRTT("DC2")
	if want := pool.coords["s1.dc1"].DistanceTo(pool.coords["b.dc2"]); !ok || rtt != want {
		t.Fatalf("dc2 RTT %v %v, want %v", rtt, ok, want)
	}
	if _, ok := pc.DatacenterRTT("dc4"); ok {
		t.Fatal("an RTT for a datacenter without coordinates")
	}
	near, _ := pc.DatacenterRTT("dc3")
	if near >= rtt {
		t.Fatalf("dc3 (%v) should be nearer than dc2 (%v)", near, rtt)
	}
	if rtt > time.Second {
		t.Fatalf("absurd RTT %v", rtt)
	}
}
