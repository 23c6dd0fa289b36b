package command

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/consul/api"
)

func catalogSpec() spec {
	return spec{
		synopsis: "Interact with the catalog",
		usage: `
Usage: concord catalog <subcommand> [options] [args]

  This command has subcommands for interacting with concord's catalog. The
  catalog should not be confused with the agent, although the APIs and
  responses may be similar.

  List all datacenters:

      $ concord catalog datacenters

  List all nodes:

      $ concord catalog nodes

  List all services:

      $ concord catalog services

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// nodeMeta is a repeatable -node-meta key=value flag.
type nodeMeta map[string]string

func (m nodeMeta) String() string { return joinPairs(m, ", ") }

func (m nodeMeta) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("Missing \"=\" value in argument: %s", v)
	}
	m[k] = val
	return nil
}

// noArgs reports Consul's error for verbs that take no arguments.
func (c *cli) noArgs(args []string) bool {
	if len(args) > 0 {
		c.errorf("Too many arguments (expected 0, got %d)", len(args))
		return false
	}
	return true
}

func catalogDatacentersSpec() spec {
	return spec{
		synopsis: "Lists all known datacenters",
		usage: `
Usage: concord catalog datacenters [options]

  Retrieves the list of all known datacenters. The datacenters are sorted in
  ascending order based on the estimated median round trip time from the
  servers in this datacenter to the servers in the other datacenters.

  To retrieve the list of datacenters:

      $ concord catalog datacenters

  For a full list of options and examples, please see the documentation.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := serverFlags(fs)
			return func(args []string) int {
				if !c.noArgs(args) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				dcs, err := client.Catalog().Datacenters()
				if err != nil {
					c.errorf("Error listing datacenters: %s", err)
					return 1
				}
				for _, dc := range dcs {
					c.out(dc)
				}
				return 0
			}
		},
	}
}

func catalogNodesSpec() spec {
	return spec{
		synopsis: "Lists all nodes in the given datacenter",
		usage: `
Usage: concord catalog nodes [options]

  Retrieves the list nodes registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of nodes:

      $ concord catalog nodes

  To print detailed information including full node IDs, tagged addresses, and
  metadata information:

      $ concord catalog nodes -detailed

  To list nodes which are running a particular service:

      $ concord catalog nodes -service=web

  To filter by node metadata:

      $ concord catalog nodes -node-meta="foo=bar"

  To sort by estimated round trip time from a node ("_agent": this agent):

      $ concord catalog nodes -near=_agent

  For a full list of options and examples, please see the documentation.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var detailed bool
			meta := nodeMeta{}
			fs.BoolVar(&detailed, "detailed", false, "Output detailed information "+
				"about the nodes including their addresses and metadata.")
			fs.Var(meta, "node-meta", "Metadata to filter nodes with the given "+
				"`key=value` pairs. This flag may be specified multiple times to filter "+
				"on multiple sources of metadata.")
			service := fs.String("service", "", "Service `id or name` to filter "+
				"nodes. Only nodes which are providing the given service will be returned.")
			near := fs.String("near", "", "Node `name` to sort the node list in ascending "+
				"order based on estimated round-trip time from that node. "+
				"Passing \"_agent\" will use this agent's node for sorting.")
			h := serverFlags(fs)
			return func(args []string) int {
				if !c.noArgs(args) {
					return 1
				}
				return c.catalogNodes(h, *service, *near, meta, detailed)
			}
		},
	}
}

func (c *cli) catalogNodes(h *httpFlags, service, near string, meta nodeMeta, detailed bool) int {
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	q := h.query()
	q.Near = near
	if len(meta) > 0 {
		q.NodeMeta = meta
	}
	var nodes []*api.Node
	if service != "" {
		services, _, err := client.Catalog().Service(service, "", q)
		if err != nil {
			c.errorf("Error listing nodes for service: %s", err)
			return 1
		}
		for _, s := range services {
			nodes = append(nodes, &api.Node{
				ID: s.ID, Node: s.Node, Address: s.Address, Datacenter: s.Datacenter,
				TaggedAddresses: s.TaggedAddresses, Meta: s.NodeMeta,
			})
		}
	} else {
		var err error
		if nodes, _, err = client.Catalog().Nodes(q); err != nil {
			c.errorf("Error listing nodes: %s", err)
			return 1
		}
	}
	if len(nodes) == 0 {
		c.errorf("No nodes match the given query - try expanding your search.")
		return 0
	}

	var t *table
	if detailed {
		t = newTable("Node", "ID", "Address", "DC", "TaggedAddresses", "Meta")
	} else {
		t = newTable("Node", "ID", "Address", "DC")
	}
	for _, n := range nodes {
		if detailed {
			t.add(n.Node, n.ID, n.Address, n.Datacenter,
				joinPairs(n.TaggedAddresses, ", "), joinPairs(n.Meta, ", "))
			continue
		}
		// The short ID is the node ID's first group, as Consul prints it.
		id := n.ID
		if i := strings.Index(id, "-"); i > 0 {
			id = id[:i]
		}
		t.add(n.Node, id, n.Address, n.Datacenter)
	}
	c.out(t.String())
	return 0
}

func catalogServicesSpec() spec {
	return spec{
		synopsis: "Lists all registered services in a datacenter",
		usage: `
Usage: concord catalog services [options]

  Retrieves the list services registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of services:

      $ concord catalog services

  To include the services' tags in the output:

      $ concord catalog services -tags

  To list services which run on a particular node:

      $ concord catalog services -node=web

  To filter services on node metadata:

      $ concord catalog services -node-meta="foo=bar"

  For a full list of options and examples, please see the documentation.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var tags bool
			meta := nodeMeta{}
			node := fs.String("node", "", "Node `id or name` for which to list services.")
			fs.Var(meta, "node-meta", "Metadata to filter nodes with the given "+
				"`key=value` pairs. If specified, only services running on nodes "+
				"matching the given metadata will be returned. This flag may be "+
				"specified multiple times to filter on multiple sources of metadata.")
			fs.BoolVar(&tags, "tags", false, "Display each service's tags as a "+
				"comma-separated list beside each service entry.")
			h := serverFlags(fs)
			return func(args []string) int {
				if !c.noArgs(args) {
					return 1
				}
				return c.catalogServices(h, *node, meta, tags)
			}
		},
	}
}

func (c *cli) catalogServices(h *httpFlags, node string, meta nodeMeta, tags bool) int {
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	q := h.query()
	if len(meta) > 0 {
		q.NodeMeta = meta
	}
	var services map[string][]string
	if node != "" {
		cn, _, err := client.Catalog().Node(node, q)
		if err != nil {
			c.errorf("Error listing services for node: %s", err)
			return 1
		}
		if cn != nil {
			services = make(map[string][]string, len(cn.Services))
			for _, s := range cn.Services {
				services[s.Service] = append(services[s.Service], s.Tags...)
			}
		}
	} else {
		var err error
		if services, _, err = client.Catalog().Services(q); err != nil {
			c.errorf("Error listing services: %s", err)
			return 1
		}
	}
	if len(services) == 0 {
		c.errorf("No services match the given query - try expanding your search.")
		return 0
	}

	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	if !tags {
		for _, name := range names {
			c.out(name)
		}
		return 0
	}
	// Consul pads the name column by six spaces and trims the block.
	t := &table{gap: "      "}
	for _, name := range names {
		sort.Strings(services[name])
		t.add(name, strings.Join(services[name], ","))
	}
	c.out(strings.TrimSpace(t.String()))
	return 0
}
