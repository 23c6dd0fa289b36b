package httpapi

import (
	"net/http"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// nodeJSON is a node as consul/api's Node decodes it.
type nodeJSON struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
	CreateIndex     uint64
	ModifyIndex     uint64
}

// catalogServiceJSON is one service instance as consul/api's
// CatalogService decodes it.
type catalogServiceJSON struct {
	ID                       string
	Node                     string
	Address                  string
	Datacenter               string
	TaggedAddresses          map[string]string
	NodeMeta                 map[string]string
	ServiceID                string
	ServiceName              string
	ServiceTags              []string
	ServiceAddress           string
	ServiceMeta              map[string]string
	ServicePort              int
	ServiceWeights           catalog.Weights
	ServiceEnableTagOverride bool
	CreateIndex              uint64
	ModifyIndex              uint64
}

// agentServiceJSON is a service of /v1/catalog/node/:node, shaped as
// consul/api's AgentService.
type agentServiceJSON struct {
	ID                string
	Service           string
	Tags              []string
	Meta              map[string]string
	Port              int
	Address           string
	Weights           catalog.Weights
	EnableTagOverride bool
	CreateIndex       uint64
	ModifyIndex       uint64
}

type nodeServicesJSON struct {
	Node     *nodeJSON
	Services map[string]*agentServiceJSON
}

// Consul renders absent maps and lists as {} and [], never null.
func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func renderNode(n *catalog.Node) *nodeJSON {
	return &nodeJSON{
		ID:              n.ID,
		Node:            n.Node,
		Address:         n.Address,
		Datacenter:      n.Datacenter,
		TaggedAddresses: orEmptyMap(n.TaggedAddresses),
		Meta:            orEmptyMap(n.Meta),
		CreateIndex:     n.CreateIndex,
		ModifyIndex:     n.ModifyIndex,
	}
}

func renderServiceNode(sn *catalog.ServiceNode) *catalogServiceJSON {
	return &catalogServiceJSON{
		ID:                       sn.ID,
		Node:                     sn.Node,
		Address:                  sn.Address,
		Datacenter:               sn.Datacenter,
		TaggedAddresses:          orEmptyMap(sn.TaggedAddresses),
		NodeMeta:                 orEmptyMap(sn.NodeMeta),
		ServiceID:                sn.ServiceID,
		ServiceName:              sn.ServiceName,
		ServiceTags:              orEmptyList(sn.ServiceTags),
		ServiceAddress:           sn.ServiceAddress,
		ServiceMeta:              orEmptyMap(sn.ServiceMeta),
		ServicePort:              sn.ServicePort,
		ServiceWeights:           sn.ServiceWeights,
		ServiceEnableTagOverride: sn.ServiceEnableTagOverride,
		CreateIndex:              sn.CreateIndex,
		ModifyIndex:              sn.ModifyIndex,
	}
}

func renderAgentService(ns *catalog.NodeService) *agentServiceJSON {
	weights := catalog.Weights{Passing: 1, Warning: 1}
	if ns.Weights != nil {
		weights = *ns.Weights
	}
	return &agentServiceJSON{
		ID:                ns.ID,
		Service:           ns.Service,
		Tags:              orEmptyList(ns.Tags),
		Meta:              orEmptyMap(ns.Meta),
		Port:              ns.Port,
		Address:           ns.Address,
		Weights:           weights,
		EnableTagOverride: ns.EnableTagOverride,
		CreateIndex:       ns.CreateIndex,
		ModifyIndex:       ns.ModifyIndex,
	}
}

// catalogDatacenters serves GET /v1/catalog/datacenters.
func (s *Server) catalogDatacenters(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var dcs []string
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogDatacenters, &catalog.DCRequest{QueryOptions: opts}, &dcs); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, orEmptyList(dcs))
}

// catalogNodes serves GET /v1/catalog/nodes, filtered by ?node-meta.
func (s *Server) catalogNodes(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	matching, qm, err := s.readNodes(r, opts)
	if err != nil {
		return err
	}
	nodes := make([]*nodeJSON, 0, len(matching))
	for _, n := range matching {
		nodes = append(nodes, renderNode(n))
	}
	setMeta(w, qm, opts)
	return writeJSON(w, r, http.StatusOK, nodes)
}

// readNodes reads the catalog's nodes (those the token may read) that
// match ?node-meta.
func (s *Server) readNodes(r *http.Request, opts catalog.QueryOptions) ([]*catalog.Node, catalog.QueryMeta, error) {
	var out catalog.IndexedNodes
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogNodes, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return nil, catalog.QueryMeta{}, err
	}
	filter := nodeMetaFilter(params(r))
	nodes := make([]*catalog.Node, 0, len(out.Nodes))
	for _, n := range out.Nodes {
		if n != nil && metaMatches(n.Meta, filter) {
			nodes = append(nodes, n)
		}
	}
	return nodes, out.QueryMeta, nil
}

// catalogServices serves GET /v1/catalog/services: each service name with
// the union of its tags. With ?node-meta only services on matching nodes
// count; the query blocks on the services index, so a change of node
// metadata alone does not wake it.
func (s *Server) catalogServices(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedServices
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogServices, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	services := out.Services
	if filter := nodeMetaFilter(params(r)); filter != nil {
		if services, err = s.servicesOnNodes(r, opts, filter); err != nil {
			return err
		}
	}
	resp := make(map[string][]string, len(services))
	for name, tags := range services {
		resp[name] = orEmptyList(tags)
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSON(w, r, http.StatusOK, resp)
}

// servicesOnNodes gathers the services, with their tags, of every node
// whose metadata matches filter. It reads without blocking.
func (s *Server) servicesOnNodes(r *http.Request, opts catalog.QueryOptions, filter map[string]string) (map[string][]string, error) {
	// The caller's ?filter is about services, not the nodes read here.
	opts.MinQueryIndex, opts.MaxQueryTime, opts.Filter = 0, 0, ""
	var nodes catalog.IndexedNodes
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogNodes, &catalog.DCRequest{QueryOptions: opts}, &nodes); err != nil {
		return nil, err
	}
	services := map[string][]string{}
	for _, n := range nodes.Nodes {
		if n == nil || !metaMatches(n.Meta, filter) {
			continue
		}
		var ns catalog.IndexedNodeServices
		if err := s.agent.RPC(r.Context(), catalog.MethodCatalogNodeServices, &catalog.NodeRequest{QueryOptions: opts, Node: n.Node}, &ns); err != nil {
			return nil, err
		}
		if ns.NodeServices == nil {
			continue
		}
		for _, svc := range ns.NodeServices.Services {
			if svc == nil {
				continue
			}
			tags := services[svc.Service]
			for _, t := range svc.Tags {
				if !containsString(tags, t) {
					tags = append(tags, t)
				}
			}
			services[svc.Service] = tags
		}
	}
	return services, nil
}

// catalogServiceNodes serves GET /v1/catalog/service/:name; every ?tag
// must be present on an instance, and ?node-meta filters its node.
func (s *Server) catalogServiceNodes(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Path, "/v1/catalog/service/")
	if name == "" {
		return badRequest("Missing service name")
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	q := params(r)
	args := &catalog.ServiceRequest{QueryOptions: opts, ServiceName: name, Tags: q["tag"]}
	var out catalog.IndexedServiceNodes
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogServiceNodes, args, &out); err != nil {
		return err
	}
	filter := nodeMetaFilter(q)
	instances := make([]*catalogServiceJSON, 0, len(out.ServiceNodes))
	for _, sn := range out.ServiceNodes {
		if sn != nil && metaMatches(sn.NodeMeta, filter) {
			instances = append(instances, renderServiceNode(sn))
		}
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSON(w, r, http.StatusOK, instances)
}

// catalogNodeServices serves GET /v1/catalog/node/:node. An unknown node
// is 200 with a null body, as in Consul (consul/api's Catalog().Node then
// returns nil).
func (s *Server) catalogNodeServices(w http.ResponseWriter, r *http.Request) error {
	node := strings.TrimPrefix(r.URL.Path, "/v1/catalog/node/")
	if node == "" {
		return badRequest("Missing node name")
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedNodeServices
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogNodeServices, &catalog.NodeRequest{QueryOptions: opts, Node: node}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	if out.NodeServices == nil || out.NodeServices.Node == nil {
		return writeJSON(w, r, http.StatusOK, nil)
	}
	resp := nodeServicesJSON{
		Node:     renderNode(out.NodeServices.Node),
		Services: make(map[string]*agentServiceJSON, len(out.NodeServices.Services)),
	}
	for id, svc := range out.NodeServices.Services {
		if svc != nil {
			resp.Services[id] = renderAgentService(svc)
		}
	}
	return writeJSON(w, r, http.StatusOK, resp)
}
