package command

import (
	"flag"
	"fmt"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/serf/coordinate"
)

func rttSpec() spec {
	return spec{
		synopsis: "Estimates network round trip time between nodes",
		usage: `
Usage: concord rtt [options] node1 [node2]

  Estimates the round trip time between two nodes using concord's network
  coordinate model of the cluster.

  At least one node name is required. If the second node name isn't given,
  it is set to the agent's node name. These are node names as known to
  concord as "concord members" would show, not IP addresses.

  With -wan, both nodes are servers named NODE.DC and their WAN
  coordinates are used.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var wan bool
			fs.BoolVar(&wan, "wan", false, "Use WAN coordinates instead of LAN coordinates.")
			h := clientFlags(fs)
			return func(nodes []string) int {
				if len(nodes) < 1 || len(nodes) > 2 {
					c.errorf("One or two node names must be specified")
					c.errorf("")
					c.errorf("%s", c.verbHelp("rtt"))
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				if len(nodes) == 1 {
					self, err := client.Agent().NodeName()
					if err != nil {
						c.errorf("Unable to look up agent info: %s", err)
						return 1
					}
					if wan {
						dc, err := agentDatacenter(client)
						if err != nil {
							c.errorf("Unable to look up agent info: %s", err)
							return 1
						}
						self += "." + dc
					}
					nodes = append(nodes, self)
				}
				coords, area, err := rttCoordinates(client, wan)
				if err != nil {
					c.errorf("Error getting coordinates: %s", err)
					return 1
				}
				a, okA := coords[nodes[0]]
				b, okB := coords[nodes[1]]
				for i, found := range []bool{okA, okB} {
					if !found {
						c.errorf("Could not find a coordinate for node %q", nodes[i])
						return 1
					}
				}
				dist := a.DistanceTo(b).Seconds() * 1000
				c.out(fmt.Sprintf("Estimated %s <-> %s rtt: %.3f ms (using %s coordinates)", nodes[0], nodes[1], dist, area))
				return 0
			}
		},
	}
}

// rttCoordinates maps node names to coordinates: the LAN coordinates of
// the agent's datacenter, or with wan every server's as NODE.DC.
func rttCoordinates(client *api.Client, wan bool) (map[string]*coordinate.Coordinate, string, error) {
	out := map[string]*coordinate.Coordinate{}
	if !wan {
		entries, _, err := client.Coordinate().Nodes(nil)
		if err != nil {
			return nil, "", err
		}
		for _, e := range entries {
			if e.Segment == "" && e.Coord != nil {
				out[e.Node] = e.Coord
			}
		}
		return out, "LAN", nil
	}
	dcs, err := client.Coordinate().Datacenters()
	if err != nil {
		return nil, "", err
	}
	for _, dc := range dcs {
		for _, e := range dc.Coordinates {
			if e.Coord == nil {
				continue
			}
			// WAN members are named NODE.DC; a server that lists its own
			// datacenter from LAN coordinates names them NODE.
			out[e.Node] = e.Coord
			out[e.Node+"."+dc.Datacenter] = e.Coord
		}
	}
	return out, "WAN", nil
}

func agentDatacenter(client *api.Client) (string, error) {
	self, err := client.Agent().Self()
	if err != nil {
		return "", err
	}
	dc, _ := self["Config"]["Datacenter"].(string)
	return dc, nil
}
