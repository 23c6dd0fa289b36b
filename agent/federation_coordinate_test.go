package agent_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/serf/coordinate"
)

// TestFederationCoordinatesAndDatacenterOrder: with three datacenters,
// /v1/coordinate/datacenters lists each with its servers' WAN
// coordinates (nodes named NODE.DC, area "wan"), and
// /v1/catalog/datacenters puts the asking datacenter first and the others
// in the order of the median estimated round trip to their servers, as
// computed from those same coordinates.
func TestFederationCoordinatesAndDatacenterOrder(t *testing.T) {
	names := []string{"dc1", "dc2", "dc3"}
	dcs := agenttest.StartFederation(t, names, 1, 1, nil, nil)

	for i, dc := range dcs {
		// Ask through the client agent: it forwards to its only server,
		// the one whose WAN view both answers come from.
		c := agenttest.Client(t, dc.Clients[0])
		self := "s1." + names[i]
		agenttest.WaitFor(t, 45*time.Second, dc.Name+" sees every datacenter's WAN coordinates", func() error {
			maps, err := c.Coordinate().Datacenters()
			if err != nil {
				return err
			}
			var got []string
			for _, m := range maps {
				if m.AreaID != "wan" || len(m.Coordinates) != 1 || m.Coordinates[0].Node != "s1."+m.Datacenter || m.Coordinates[0].Coord == nil {
					return fmt.Errorf("datacenter map %+v", m)
				}
				got = append(got, m.Datacenter)
			}
			if !slices.Equal(got, names) {
				return fmt.Errorf("datacenters with coordinates: %v", got)
			}
			// WAN probes' round trips have moved them off the origin.
			for _, m := range maps {
				if slices.ContainsFunc(m.Coordinates[0].Coord.Vec, func(v float64) bool { return v != 0 }) {
					return nil
				}
			}
			return fmt.Errorf("every WAN coordinate still at the origin")
		})
		// Coordinates move between reads; an ordering is checked when
		// the coordinates read before and after it order alike.
		agenttest.WaitFor(t, 45*time.Second, dc.Name+" orders datacenters by estimated round trip", func() error {
			before, err := orderFromCoordinates(c, self)
			if err != nil {
				return err
			}
			got, err := c.Catalog().Datacenters()
			if err != nil {
				return err
			}
			after, err := orderFromCoordinates(c, self)
			if err != nil {
				return err
			}
			if !slices.Equal(before, after) {
				return fmt.Errorf("coordinates moved during the read: %v then %v", before, after)
			}
			if got[0] != dc.Name || !slices.Equal(got[1:], before) {
				return fmt.Errorf("/v1/catalog/datacenters = %v, want %s then %v", got, dc.Name, before)
			}
			return nil
		})
	}
}

// orderFromCoordinates orders the datacenters other than self's by the
// median estimated round trip from self (a WAN member name) to their
// servers, ties by name: what the router's estimator computes.
func orderFromCoordinates(c *api.Client, self string) ([]string, error) {
	maps, err := c.Coordinate().Datacenters()
	if err != nil {
		return nil, err
	}
	var origin *coordinate.Coordinate
	for _, m := range maps {
		for _, e := range m.Coordinates {
			if e.Node == self {
				origin = e.Coord
			}
		}
	}
	if origin == nil {
		return nil, fmt.Errorf("no coordinate for %s", self)
	}
	median := map[string]time.Duration{}
	var out []string
	for _, m := range maps {
		has := false
		var rtts []time.Duration
		for _, e := range m.Coordinates {
			has = has || e.Node == self
			rtts = append(rtts, origin.DistanceTo(e.Coord))
		}
		if has {
			continue
		}
		slices.Sort(rtts)
		median[m.Datacenter] = rtts[len(rtts)/2]
		out = append(out, m.Datacenter)
	}
	sort.Slice(out, func(i, j int) bool {
		if median[out[i]] != median[out[j]] {
			return median[out[i]] < median[out[j]]
		}
		return out[i] < out[j]
	})
	return out, nil
}
