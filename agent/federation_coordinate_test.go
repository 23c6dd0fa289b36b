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

// TestFederationNearestNFollowsTheOrder: with three datacenters, a query
// with Failover.NearestN asks the other datacenters in the order
// /v1/catalog/datacenters gives (the estimator's), and Failovers counts
// those asked until one had an instance.
func TestFederationNearestNFollowsTheOrder(t *testing.T) {
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2", "dc3"}, 1, 1, nil, nil)
	c1 := agenttest.Client(t, dcs[0].Clients[0])
	register(t, c1, "web-a", "10.10.0.1", "web", 80, nil, api.HealthCritical)
	register(t, agenttest.Client(t, dcs[1].Clients[0]), "web-b", "10.20.0.1", "web", 80, nil, api.HealthPassing)
	c3 := agenttest.Client(t, dcs[2].Clients[0])
	register(t, c3, "web-c", "10.30.0.1", "web", 80, nil, api.HealthPassing)
	register(t, c3, "db-c", "10.30.0.2", "db", 5432, nil, api.HealthPassing)
	for _, def := range []*api.PreparedQueryDefinition{
		{Name: "web-1", Service: api.ServiceQuery{Service: "web", Failover: api.QueryFailoverOptions{NearestN: 1}}},
		{Name: "db-2", Service: api.ServiceQuery{Service: "db", Failover: api.QueryFailoverOptions{NearestN: 2}}},
	} {
		if _, _, err := c1.PreparedQuery().Create(def, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The order may change between reads as coordinates move: an
	// answer is checked against the order read before and after it
	// when both agree.
	agenttest.WaitFor(t, 45*time.Second, "NearestN follows the datacenter order", func() error {
		before, err := c1.Catalog().Datacenters()
		if err != nil {
			return err
		}
		web, _, err := c1.PreparedQuery().Execute("web-1", nil)
		if err != nil {
			return err
		}
		db, _, err := c1.PreparedQuery().Execute("db-2", nil)
		if err != nil {
			return err
		}
		after, err := c1.Catalog().Datacenters()
		if err != nil {
			return err
		}
		if !slices.Equal(before, after) {
			return fmt.Errorf("order moved: %v then %v", before, after)
		}
		if web.Datacenter != before[1] || web.Failovers != 1 || len(web.Nodes) != 1 {
			return fmt.Errorf("web-1 with order %v: Datacenter %q Failovers %d, %d nodes", before, web.Datacenter, web.Failovers, len(web.Nodes))
		}
		if want := slices.Index(before, "dc3"); db.Datacenter != "dc3" || db.Failovers != want || len(db.Nodes) != 1 {
			return fmt.Errorf("db-2 with order %v: Datacenter %q Failovers %d (want %d), %d nodes", before, db.Datacenter, db.Failovers, want, len(db.Nodes))
		}
		return nil
	})
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
