package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// serviceRegJSON is the Service member of a registration, as consul/api's
// AgentService encodes it. Members concord does not model yet (Kind,
// Proxy, Connect, ...) are ignored.
type serviceRegJSON struct {
	ID                string
	Service           string
	Tags              []string
	Address           string
	Meta              map[string]string
	Port              int
	Weights           *catalog.Weights
	EnableTagOverride bool
}

// registerJSON is the body of PUT /v1/catalog/register (consul/api's
// CatalogRegistration).
type registerJSON struct {
	Datacenter      string
	ID              string
	Node            string
	Address         string
	TaggedAddresses map[string]string
	NodeMeta        map[string]string
	Service         *serviceRegJSON
	Check           *catalog.HealthCheck
	Checks          catalog.HealthChecks
	SkipNodeUpdate  bool
}

// deregisterJSON is the body of PUT /v1/catalog/deregister.
type deregisterJSON struct {
	Datacenter string
	Node       string
	ServiceID  string
	CheckID    string
}

// bodyWriteRequest takes the datacenter named in the body, else ?dc=, else
// the local one.
func (s *Server) bodyWriteRequest(r *http.Request, dc string) catalog.WriteRequest {
	wr := s.writeRequest(r)
	if dc != "" {
		wr.Datacenter = dc
	}
	return wr
}

// catalogRegister serves PUT /v1/catalog/register and answers true.
func (s *Server) catalogRegister(w http.ResponseWriter, r *http.Request) error {
	var in registerJSON
	if err := readJSON(w, r, MaxJSONBody, &in); err != nil {
		return err
	}
	args, err := in.toRequest()
	if err != nil {
		return err
	}
	args.WriteRequest = s.bodyWriteRequest(r, in.Datacenter)
	var out struct{}
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogRegister, args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, true)
}

// toRequest validates a registration and fills Consul's defaults: the
// service ID is its name, weights are 1/1, a check's node is the
// registered node and its ID is its name.
func (in *registerJSON) toRequest() (*catalog.RegisterRequest, error) {
	if in.Node == "" {
		return nil, badRequest("Must provide node")
	}
	if in.Address == "" && !in.SkipNodeUpdate {
		return nil, badRequest("Must provide address if SkipNodeUpdate is not set")
	}
	args := &catalog.RegisterRequest{
		ID:              in.ID,
		Node:            in.Node,
		Address:         in.Address,
		TaggedAddresses: in.TaggedAddresses,
		NodeMeta:        in.NodeMeta,
		SkipNodeUpdate:  in.SkipNodeUpdate,
	}
	if svc := in.Service; svc != nil {
		if svc.Service == "" {
			return nil, badRequest("Must provide service name (Service.Service)")
		}
		ns := &catalog.NodeService{
			ID:                svc.ID,
			Service:           svc.Service,
			Tags:              svc.Tags,
			Address:           svc.Address,
			Meta:              svc.Meta,
			Port:              svc.Port,
			Weights:           svc.Weights,
			EnableTagOverride: svc.EnableTagOverride,
		}
		if ns.ID == "" {
			ns.ID = ns.Service
		}
		if ns.Port < 0 || ns.Port > 65535 {
			return nil, badRequest("Invalid service port %d", ns.Port)
		}
		// consul/api always sends Weights, zero when unset.
		if ns.Weights == nil || (ns.Weights.Passing == 0 && ns.Weights.Warning == 0) {
			ns.Weights = &catalog.Weights{Passing: 1, Warning: 1}
		}
		if ns.Weights.Passing < 0 || ns.Weights.Warning < 0 {
			return nil, badRequest("Service weights must not be negative")
		}
		args.Service = ns
	}
	if in.Check != nil {
		if err := fixCheck(in.Check, in.Node); err != nil {
			return nil, err
		}
		args.Check = in.Check
	}
	for _, c := range in.Checks {
		if c == nil {
			continue
		}
		if err := fixCheck(c, in.Node); err != nil {
			return nil, err
		}
		args.Checks = append(args.Checks, c)
	}
	return args, nil
}

// fixCheck validates one check of a registration and fills its defaults.
func fixCheck(c *catalog.HealthCheck, node string) error {
	if c.Node == "" {
		c.Node = node
	}
	if c.Node != node {
		return badRequest("Check node %q does not match the registered node %q", c.Node, node)
	}
	if c.CheckID == "" {
		c.CheckID = c.Name
	}
	if c.CheckID == "" {
		return badRequest("Must provide a check ID or name")
	}
	if c.Status != "" && !catalog.ValidHealthStatus(c.Status) {
		return badRequest("Invalid check status %q: must be passing, warning, critical or maintenance", c.Status)
	}
	c.CreateIndex, c.ModifyIndex = 0, 0
	return nil
}

// catalogDeregister serves PUT /v1/catalog/deregister and answers true.
func (s *Server) catalogDeregister(w http.ResponseWriter, r *http.Request) error {
	var in deregisterJSON
	if err := readJSON(w, r, MaxJSONBody, &in); err != nil {
		return err
	}
	if in.Node == "" {
		return badRequest("Must provide node")
	}
	args := &catalog.DeregisterRequest{
		WriteRequest: s.bodyWriteRequest(r, in.Datacenter),
		Node:         in.Node,
		ServiceID:    in.ServiceID,
		CheckID:      in.CheckID,
	}
	var out struct{}
	if err := s.agent.RPC(r.Context(), catalog.MethodCatalogDeregister, args, &out); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, true)
}
