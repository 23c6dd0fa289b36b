package server

import (
	"sort"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/serf/coordinate"
)

// CoordinatePool is a gossip pool that measures coordinates: *lan.Pool,
// and so a WAN pool built on it. Safe for concurrent use.
type CoordinatePool interface {
	Members() []lan.Member
	Coordinate() (*coordinate.Coordinate, bool)
	CachedCoordinate(name string) (*coordinate.Coordinate, bool)
}

// PoolCoordinates reads datacenters' coordinates from a pool of servers
// (the WAN pool): it is a WANCoordinates for
// /v1/coordinate/datacenters, and its DatacenterRTT estimates the round
// trip to a datacenter as the median of the estimated round trips to its
// alive servers, as Consul orders datacenters.
type PoolCoordinates struct {
	Pool CoordinatePool
}

var _ WANCoordinates = PoolCoordinates{}

// serversByDC groups the pool's alive servers by datacenter with the
// coordinate each last sent (ours for ourselves); servers without one are
// left out.
func (p PoolCoordinates) serversByDC() map[string]catalog.Coordinates {
	out := map[string]catalog.Coordinates{}
	for _, m := range p.Pool.Members() {
		srv, ok := lan.ServerFromMember(m)
		if !ok || m.Status != lan.StatusAlive {
			continue
		}
		c, ok := p.Pool.CachedCoordinate(m.Name)
		if !ok {
			continue
		}
		dc := strings.ToLower(srv.Datacenter)
		out[dc] = append(out[dc], &catalog.Coordinate{Node: m.Name, Coord: c})
	}
	return out
}

// DatacenterCoordinates lists every datacenter with servers in the pool,
// by name, each with its servers by name.
func (p PoolCoordinates) DatacenterCoordinates() ([]*catalog.DatacenterMap, error) {
	byDC := p.serversByDC()
	out := make([]*catalog.DatacenterMap, 0, len(byDC))
	for dc, coords := range byDC {
		sort.Slice(coords, func(i, j int) bool { return coords[i].Node < coords[j].Node })
		out = append(out, &catalog.DatacenterMap{Datacenter: dc, AreaID: "wan", Coordinates: coords})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Datacenter < out[j].Datacenter })
	return out, nil
}

// DatacenterRTT is the median estimated round trip from this member to
// dc's servers; ok is false without our coordinate or any of theirs.
func (p PoolCoordinates) DatacenterRTT(dc string) (time.Duration, bool) {
	self, ok := p.Pool.Coordinate()
	if !ok {
		return 0, false
	}
	servers := p.serversByDC()[strings.ToLower(dc)]
	rtts := make([]time.Duration, 0, len(servers))
	for _, s := range servers {
		if s.Coord.IsCompatibleWith(self) {
			rtts = append(rtts, self.DistanceTo(s.Coord))
		}
	}
	if len(rtts) == 0 {
		return 0, false
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	return rtts[len(rtts)/2], true
}
