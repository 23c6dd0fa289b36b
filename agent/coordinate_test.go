package agent_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/serf/coordinate"
)

func fastCoordinates(cfg *config.Config) {
	cfg.CoordinateSyncInterval = 100 * time.Millisecond
	cfg.CoordinateUpdatePeriod = 100 * time.Millisecond
}

// Every agent's coordinate reaches the catalog, moves off the origin as
// ping round trips feed Vivaldi, and ?near=_agent puts the asking agent's
// own node first on the catalog and health endpoints.
func TestCoordinatesInCluster(t *testing.T) {
	srvs, clis := agenttest.StartClusterWith(t, 1, 2, fastCoordinates)
	all := append(append(srvs[:0:0], srvs...), clis...)
	c1 := agenttest.Client(t, clis[0])

	agenttest.WaitFor(t, 45*time.Second, "a coordinate for every node", func() error {
		entries, _, err := c1.Coordinate().Nodes(nil)
		if err != nil {
			return err
		}
		if len(entries) != 3 {
			return fmt.Errorf("%d coordinates: %+v", len(entries), entries)
		}
		return nil
	})
	agenttest.WaitFor(t, 45*time.Second, "coordinates moved by ping round trips", func() error {
		entries, _, err := c1.Coordinate().Nodes(nil)
		if err != nil {
			return err
		}
		for _, e := range entries {
			for _, v := range e.Coord.Vec {
				if v != 0 {
					return nil
				}
			}
		}
		return fmt.Errorf("every coordinate still at the origin")
	})
	self, err := c1.Agent().Self()
	if err != nil || self["Coord"] == nil {
		t.Fatalf("/v1/agent/self without the agent's coordinate: %v", err)
	}
	one, _, err := c1.Coordinate().Node("c2", nil)
	if err != nil || len(one) != 1 || one[0].Node != "c2" || one[0].Coord == nil {
		t.Fatalf("Coordinate().Node(c2): %+v, %v", one, err)
	}
	if _, _, err := c1.Coordinate().Node("nobody", nil); err == nil {
		t.Fatal("a node without a coordinate was answered")
	}
	dcs, err := c1.Coordinate().Datacenters()
	if err != nil || len(dcs) != 1 || dcs[0].Datacenter != "dc1" || len(dcs[0].Coordinates) != 1 || dcs[0].Coordinates[0].Node != "s1" {
		t.Fatalf("Coordinate().Datacenters(): %+v, %v", dcs, err)
	}

	for _, a := range all {
		name := a.Self().NodeName
		if err := agenttest.Client(t, a).Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "web", Name: "web", Port: 80}); err != nil {
			t.Fatalf("register web on %s: %v", name, err)
		}
	}
	agenttest.WaitFor(t, 45*time.Second, "web on every node", func() error {
		entries, _, err := c1.Health().Service("web", "", false, nil)
		if err != nil || len(entries) != 3 {
			return fmt.Errorf("%d instances, %v", len(entries), err)
		}
		return nil
	})
	for _, a := range all {
		self := a.Self().NodeName
		c := agenttest.Client(t, a)
		near := &api.QueryOptions{Near: "_agent"}
		entries, _, err := c.Health().Service("web", "", false, near)
		if err != nil || len(entries) != 3 || entries[0].Node.Node != self {
			t.Fatalf("health ?near=_agent on %s: first %v of %d, %v", self, first(entries), len(entries), err)
		}
		svcs, _, err := c.Catalog().Service("web", "", near)
		if err != nil || len(svcs) != 3 || svcs[0].Node != self {
			t.Fatalf("catalog service ?near=_agent on %s: %+v, %v", self, svcs, err)
		}
		nodes, _, err := c.Catalog().Nodes(near)
		if err != nil || len(nodes) != 3 || nodes[0].Node != self {
			t.Fatalf("catalog nodes ?near=_agent on %s: %+v, %v", self, nodes, err)
		}
	}
	// A prepared query sorts the same way: ?near=_agent on execute, or
	// the query's own Near "_agent" (the executing agent).
	if _, _, err := c1.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web-near",
		Service: api.ServiceQuery{Service: "web", Near: "_agent"}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		self := a.Self().NodeName
		pq := agenttest.Client(t, a).PreparedQuery()
		for _, q := range []*api.QueryOptions{nil, {Near: "_agent"}} {
			res, _, err := pq.Execute("web-near", q)
			if err != nil || len(res.Nodes) != 3 || res.Nodes[0].Node.Node != self {
				t.Fatalf("execute on %s (%+v): %+v, %v", self, q, res, err)
			}
		}
	}
	// ?near=NODE sorts from another node.
	entries, _, err := c1.Health().Service("web", "", false, &api.QueryOptions{Near: "c2"})
	if err != nil || entries[0].Node.Node != "c2" {
		t.Fatalf("?near=c2 from c1: first %v, %v", first(entries), err)
	}

	// An operator's update through the API lands too; the endpoint takes
	// PUT only.
	coord := one[0].Coord
	coord.Vec[0] = 0.5
	if _, err := c1.Coordinate().Update(&api.CoordinateEntry{Node: "c2", Coord: coord}, nil); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + clis[0].HTTPAddrs()[0].String() + "/v1/coordinate/update")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /v1/coordinate/update: %d", resp.StatusCode)
	}
}

func first(entries []*api.ServiceEntry) string {
	if len(entries) == 0 || entries[0].Node == nil {
		return "none"
	}
	return entries[0].Node.Node
}

func zeroCoord() *coordinate.Coordinate { return coordinate.NewCoordinate(coordinate.DefaultConfig()) }
