package httpapi

import (
	"fmt"
	"sort"
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

// catalogRPC serves the fake's catalog methods.
func (f *fakeAgent) catalogRPC(method string, args, reply interface{}) error {
	switch method {
	case catalog.MethodCatalogRegister:
		f.register(args.(*catalog.RegisterRequest))
	case catalog.MethodCatalogDeregister:
		req := args.(*catalog.DeregisterRequest)
		f.index++
		if req.ServiceID != "" {
			delete(f.services[req.Node], req.ServiceID)
		} else {
			delete(f.nodes, req.Node)
			delete(f.services, req.Node)
		}
	case catalog.MethodCatalogNodes:
		out := reply.(*catalog.IndexedNodes)
		out.QueryMeta = f.meta()
		for _, name := range f.nodeNames() {
			n := *f.nodes[name]
			out.Nodes = append(out.Nodes, &n)
		}
	case catalog.MethodCatalogServices:
		out := reply.(*catalog.IndexedServices)
		out.QueryMeta = f.meta()
		out.Services = map[string][]string{}
		for _, svcs := range f.services {
			for _, s := range svcs {
				tags := out.Services[s.Service]
				for _, t := range s.Tags {
					if !containsString(tags, t) {
						tags = append(tags, t)
					}
				}
				out.Services[s.Service] = tags
			}
		}
	case catalog.MethodCatalogServiceNodes:
		f.serviceNodes(args.(*catalog.ServiceRequest), reply.(*catalog.IndexedServiceNodes))
	case catalog.MethodCatalogNodeServices:
		req := args.(*catalog.NodeRequest)
		out := reply.(*catalog.IndexedNodeServices)
		out.QueryMeta = f.meta()
		if n, ok := f.nodes[req.Node]; ok {
			nc := *n
			ns := &catalog.NodeServices{Node: &nc, Services: map[string]*catalog.NodeService{}}
			for id, s := range f.services[req.Node] {
				sc := *s
				ns.Services[id] = &sc
			}
			out.NodeServices = ns
		}
	default:
		return f.healthRPC(method, args, reply)
	}
	return nil
}

func (f *fakeAgent) register(req *catalog.RegisterRequest) {
	f.index++
	n, ok := f.nodes[req.Node]
	if !ok {
		n = &catalog.Node{Node: req.Node, Datacenter: "dc1", CreateIndex: f.index}
		f.nodes[req.Node] = n
	}
	if !req.SkipNodeUpdate {
		n.ID, n.Address, n.TaggedAddresses, n.Meta = req.ID, req.Address, req.TaggedAddresses, req.NodeMeta
		n.ModifyIndex = f.index
	}
	if req.Service != nil {
		s := *req.Service
		s.CreateIndex, s.ModifyIndex = f.index, f.index
		if f.services[req.Node] == nil {
			f.services[req.Node] = map[string]*catalog.NodeService{}
		}
		f.services[req.Node][s.ID] = &s
	}
}

func (f *fakeAgent) nodeNames() []string {
	var names []string
	for name := range f.nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (f *fakeAgent) serviceNodes(req *catalog.ServiceRequest, out *catalog.IndexedServiceNodes) {
	out.QueryMeta = f.meta()
	for _, name := range f.nodeNames() {
		n := f.nodes[name]
		for _, s := range f.services[name] {
			if s.Service != req.ServiceName || !hasAllTags(s.Tags, req.Tags) {
				continue
			}
			sn := &catalog.ServiceNode{
				ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter,
				TaggedAddresses: n.TaggedAddresses, NodeMeta: n.Meta,
				ServiceID: s.ID, ServiceName: s.Service, ServiceTags: s.Tags,
				ServiceAddress: s.Address, ServiceMeta: s.Meta, ServicePort: s.Port,
				ServiceEnableTagOverride: s.EnableTagOverride,
				CreateIndex:              s.CreateIndex, ModifyIndex: s.ModifyIndex,
			}
			if s.Weights != nil {
				sn.ServiceWeights = *s.Weights
			}
			out.ServiceNodes = append(out.ServiceNodes, sn)
		}
	}
}

func hasAllTags(have, want []string) bool {
	for _, t := range want {
		if !containsString(have, t) {
			return false
		}
	}
	return true
}

func (f *fakeAgent) Self() Self {
	return Self{
		Datacenter: "dc1", PrimaryDatacenter: "dc1", NodeName: "node1", NodeID: "6e9a4f4e-0000-4000-8000-000000000001",
		Server: true, Version: "0.1.0", Revision: "abc123",
		Member:      f.members[0],
		Stats:       map[string]map[string]string{"agent": {"checks": "0"}, "raft": {"state": "Leader"}},
		DebugConfig: map[string]interface{}{"Datacenter": "dc1"},
		StartedAt:   time.Unix(0, 0),
	}
}

func (f *fakeAgent) Members() []lan.Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]lan.Member(nil), f.members...)
}

func (f *fakeAgent) Join(addrs []string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.joinErr != nil {
		return 0, f.joinErr
	}
	f.joined = append(f.joined, addrs...)
	return len(addrs), nil
}

func (f *fakeAgent) Leave() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left = true
	return nil
}

func (f *fakeAgent) ForceLeave(node string, prune bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.members {
		if m.Name == node {
			f.forceLeave = append(f.forceLeave, fmt.Sprintf("%s prune=%v", node, prune))
			return nil
		}
	}
	return fmt.Errorf("%w: no member %q", catalog.ErrNotFound, node)
}

// Authorize lets everything through, ACL management included, unless the
// test set an authorizer.
func (f *fakeAgent) Authorize(token string) (acl.Authorizer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.authz != nil {
		return f.authz(token)
	}
	return acl.ManageAll(), nil
}

// The fake is a client agent outside any WAN pool.
func (f *fakeAgent) WANMembers() []lan.Member { return nil }

func (f *fakeAgent) JoinWAN(addrs []string) (int, error) {
	return 0, catalog.BadRequestf("Must be a server to join or leave the WAN pool")
}

func (f *fakeAgent) ForceLeaveWAN(node string, prune bool) error {
	return catalog.BadRequestf("Must be a server to join or leave the WAN pool")
}
