package template

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/consul/api"
)

// query is one Consul read a template makes. Queries with the same id are
// the same read, shared by every template of a Runner.
type query interface {
	id() string
	// fetch runs the read; opts carries the blocking index and the
	// context. It returns the result and the index to block on next.
	fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error)
}

// Health statuses as consul-template names them.
const (
	healthAny      = "any"
	healthPassing  = "passing"
	healthWarning  = "warning"
	healthCritical = "critical"
	healthMaint    = "maintenance"
)

var (
	serviceRe = regexp.MustCompile(`\A(?:(?P<tag>[\w\-.]+)\.)?(?P<name>[\w\-/]+)(?:@(?P<dc>[\w.\-]+))?(?:\|(?P<filter>[\w,\s]+))?\z`)
	dcOnlyRe  = regexp.MustCompile(`\A(?:@(?P<dc>[\w.\-]+))?\z`)
	kvRe      = regexp.MustCompile(`\A/?(?P<key>[^@]*?)(?:@(?P<dc>[\w.\-]+))?\z`)
)

// serviceQuery is "service": instances from /v1/health/service.
type serviceQuery struct {
	name, tag, dc string
	filters       []string // sorted; ["passing"] by default
}

// parseService reads consul-template's "TAG.NAME@DC|FILTER" form; a
// second argument is the filter (the older "service NAME FILTER" form).
func parseService(args []string) (*serviceQuery, error) {
	if len(args) == 0 || len(args) > 2 {
		return nil, fmt.Errorf("service: expected 1 or 2 arguments, got %d", len(args))
	}
	s := strings.Join(args, "|")
	m := serviceRe.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("service: invalid format: %q", s)
	}
	q := &serviceQuery{name: m[2], tag: m[1], dc: m[3]}
	if f := m[4]; strings.TrimSpace(f) != "" {
		for _, part := range strings.Split(f, ",") {
			part = strings.TrimSpace(part)
			switch part {
			case healthAny, healthPassing, healthWarning, healthCritical, healthMaint:
				q.filters = append(q.filters, part)
			case "":
			default:
				return nil, fmt.Errorf("service: invalid filter %q in %q", part, s)
			}
		}
		sort.Strings(q.filters)
	} else {
		q.filters = []string{healthPassing}
	}
	return q, nil
}

func (q *serviceQuery) id() string {
	return fmt.Sprintf("service(%s.%s@%s|%s)", q.tag, q.name, q.dc, strings.Join(q.filters, ","))
}

func (q *serviceQuery) accept(status string) bool {
	for _, f := range q.filters {
		if f == healthAny || f == status {
			return true
		}
	}
	return false
}

func (q *serviceQuery) fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error) {
	opts.Datacenter = q.dc
	// Only the default filter asks the server for passing instances; any
	// other filter is applied here to every instance (consul-template's
	// documented difference between "web" and "web|passing").
	passingOnly := len(q.filters) == 1 && q.filters[0] == healthPassing
	entries, meta, err := c.Health().Service(q.name, q.tag, passingOnly, opts)
	if err != nil {
		return nil, 0, err
	}
	list := make([]*HealthService, 0, len(entries))
	for _, e := range entries {
		status := e.Checks.AggregatedStatus()
		if !q.accept(status) {
			continue
		}
		addr := e.Service.Address
		if addr == "" {
			addr = e.Node.Address
		}
		list = append(list, &HealthService{
			Node:                   e.Node.Node,
			NodeID:                 e.Node.ID,
			NodeAddress:            e.Node.Address,
			NodeTaggedAddresses:    e.Node.TaggedAddresses,
			NodeMeta:               e.Node.Meta,
			ServiceMeta:            e.Service.Meta,
			Address:                addr,
			ServiceTaggedAddresses: e.Service.TaggedAddresses,
			ID:                     e.Service.ID,
			Name:                   e.Service.Service,
			Tags:                   sortedTags(e.Service.Tags),
			Checks:                 e.Checks,
			Status:                 status,
			Port:                   e.Service.Port,
			Weights:                e.Service.Weights,
		})
	}
	// By node, then service ID: the order consul-template documents as
	// "lexical" when no nearness is asked for.
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Node != list[j].Node {
			return list[i].Node < list[j].Node
		}
		return list[i].ID < list[j].ID
	})
	return list, meta.LastIndex, nil
}

// servicesQuery is "services": service names and their tags.
type servicesQuery struct{ dc string }

func parseDCOnly(fn string, args []string) (string, error) {
	if len(args) > 1 {
		return "", fmt.Errorf("%s: expected at most 1 argument, got %d", fn, len(args))
	}
	if len(args) == 0 {
		return "", nil
	}
	m := dcOnlyRe.FindStringSubmatch(args[0])
	if m == nil {
		return "", fmt.Errorf("%s: invalid format: %q", fn, args[0])
	}
	return m[1], nil
}

func (q *servicesQuery) id() string { return "services(@" + q.dc + ")" }

func (q *servicesQuery) fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error) {
	opts.Datacenter = q.dc
	m, meta, err := c.Catalog().Services(opts)
	if err != nil {
		return nil, 0, err
	}
	list := make([]*CatalogSnippet, 0, len(m))
	for name, tags := range m {
		list = append(list, &CatalogSnippet{Name: name, Tags: sortedTags(dedupe(tags))})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, meta.LastIndex, nil
}

func dedupe(tags []string) []string {
	seen := make(map[string]bool, len(tags))
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// nodesQuery is "nodes".
type nodesQuery struct{ dc string }

func (q *nodesQuery) id() string { return "nodes(@" + q.dc + ")" }

func (q *nodesQuery) fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error) {
	opts.Datacenter = q.dc
	nodes, meta, err := c.Catalog().Nodes(opts)
	if err != nil {
		return nil, 0, err
	}
	list := make([]*Node, 0, len(nodes))
	for _, n := range nodes {
		list = append(list, convertNode(n))
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Node != list[j].Node {
			return list[i].Node < list[j].Node
		}
		return list[i].Address < list[j].Address
	})
	return list, meta.LastIndex, nil
}

func convertNode(n *api.Node) *Node {
	return &Node{ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter,
		TaggedAddresses: n.TaggedAddresses, Meta: n.Meta}
}

// nodeQuery is "node": one node and its services; no name means the
// agent's own node.
type nodeQuery struct{ name, dc string }

func parseNode(args []string) (*nodeQuery, error) {
	switch len(args) {
	case 0:
		return &nodeQuery{}, nil
	case 1:
		name, dc, _ := strings.Cut(args[0], "@")
		return &nodeQuery{name: name, dc: dc}, nil
	case 2:
		dc, err := parseDCOnly("node", args[1:])
		return &nodeQuery{name: args[0], dc: dc}, err
	}
	return nil, fmt.Errorf("node: expected 0, 1 or 2 arguments, got %d", len(args))
}

func (q *nodeQuery) id() string { return "node(" + q.name + "@" + q.dc + ")" }

func (q *nodeQuery) fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error) {
	opts.Datacenter = q.dc
	name := q.name
	if name == "" {
		var err error
		if name, err = c.Agent().NodeName(); err != nil {
			return nil, 0, err
		}
	}
	n, meta, err := c.Catalog().Node(name, opts)
	if err != nil {
		return nil, 0, err
	}
	if n == nil || n.Node == nil {
		return (*CatalogNode)(nil), meta.LastIndex, nil
	}
	out := &CatalogNode{Node: convertNode(n.Node)}
	for _, s := range n.Services {
		out.Services = append(out.Services, &CatalogNodeService{ID: s.ID, Service: s.Service,
			Tags: sortedTags(s.Tags), Meta: s.Meta, Port: s.Port, Address: s.Address,
			EnableTagOverride: s.EnableTagOverride})
	}
	sort.SliceStable(out.Services, func(i, j int) bool {
		a, b := out.Services[i], out.Services[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.ID < b.ID
	})
	return out, meta.LastIndex, nil
}

// kvGetQuery is "key" and "keyOrDefault": one key's value.
type kvGetQuery struct{ key, dc string }

// kvValue is a key's state: a missing key is not an error.
type kvValue struct {
	exists bool
	value  string
}

func parseKV(fn, s string) (key, dc string, err error) {
	m := kvRe.FindStringSubmatch(s)
	if m == nil {
		return "", "", fmt.Errorf("%s: invalid format: %q", fn, s)
	}
	return m[1], m[2], nil
}

func (q *kvGetQuery) id() string { return "key(" + q.key + "@" + q.dc + ")" }

func (q *kvGetQuery) fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error) {
	opts.Datacenter = q.dc
	pair, meta, err := c.KV().Get(q.key, opts)
	if err != nil {
		return nil, 0, err
	}
	if pair == nil {
		return kvValue{}, meta.LastIndex, nil
	}
	return kvValue{exists: true, value: string(pair.Value)}, meta.LastIndex, nil
}

// kvListQuery is "ls" and "tree": every pair under a prefix, with keys
// relative to it; the functions filter it.
type kvListQuery struct{ prefix, dc string }

func (q *kvListQuery) id() string { return "kvlist(" + q.prefix + "@" + q.dc + ")" }

func (q *kvListQuery) fetch(c *api.Client, opts *api.QueryOptions) (any, uint64, error) {
	opts.Datacenter = q.dc
	pairs, meta, err := c.KV().List(q.prefix, opts)
	if err != nil {
		return nil, 0, err
	}
	list := make([]*KeyPair, 0, len(pairs))
	for _, p := range pairs {
		rel := strings.TrimLeft(strings.TrimPrefix(p.Key, q.prefix), "/")
		list = append(list, &KeyPair{Path: p.Key, Key: rel, Value: string(p.Value),
			CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex, LockIndex: p.LockIndex,
			Flags: p.Flags, Session: p.Session})
	}
	return list, meta.LastIndex, nil
}
