package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/serf/coordinate"
)

// memberJSON is a gossip member as consul/api's AgentMember decodes it.
type memberJSON struct {
	Name        string
	Addr        string
	Port        uint16
	Tags        map[string]string
	Status      int
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

func renderMember(m lan.Member) memberJSON {
	addr := ""
	if m.Addr != nil {
		addr = m.Addr.String()
	}
	return memberJSON{
		Name:        m.Name,
		Addr:        addr,
		Port:        m.Port,
		Tags:        orEmptyMap(m.Tags),
		Status:      int(m.Status),
		ProtocolMin: m.ProtocolMin,
		ProtocolMax: m.ProtocolMax,
		ProtocolCur: m.ProtocolCur,
		DelegateMin: m.DelegateMin,
		DelegateMax: m.DelegateMax,
		DelegateCur: m.DelegateCur,
	}
}

// selfConfigJSON is the "Config" object of /v1/agent/self; consul/api's
// Agent().NodeName() and the CLI read these names.
type selfConfigJSON struct {
	Datacenter        string
	PrimaryDatacenter string
	NodeName          string
	NodeID            string
	Server            bool
	Revision          string
	Version           string
}

// selfJSON is /v1/agent/self. consul/api decodes it as a map of objects,
// so every member is an object.
type selfJSON struct {
	Config      selfConfigJSON
	DebugConfig map[string]interface{}
	Member      memberJSON
	Stats       map[string]map[string]string
	Meta        map[string]string
	// Coord is the agent's LAN coordinate; omitted when coordinates are
	// disabled, as Consul omits it.
	Coord *coordinate.Coordinate `json:",omitempty"`
}

// boolParam reports whether a flag parameter is set: present, and not
// "0" or "false".
func boolParam(q url.Values, name string) bool {
	if !hasParam(q, name) {
		return false
	}
	v := strings.ToLower(q.Get(name))
	return v != "0" && v != "false"
}

// agentSelf serves GET /v1/agent/self.
func (s *Server) agentSelf(w http.ResponseWriter, r *http.Request) error {
	self := s.agent.Self()
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.AgentRead(self.NodeName) }); err != nil {
		return err
	}
	resp := selfJSON{
		Config: selfConfigJSON{
			Datacenter:        self.Datacenter,
			PrimaryDatacenter: self.PrimaryDatacenter,
			NodeName:          self.NodeName,
			NodeID:            self.NodeID,
			Server:            self.Server,
			Revision:          self.Revision,
			Version:           self.Version,
		},
		DebugConfig: self.DebugConfig,
		Member:      renderMember(self.Member),
		Stats:       self.Stats,
		Meta:        map[string]string{},
		Coord:       self.Coord,
	}
	if resp.DebugConfig == nil {
		resp.DebugConfig = map[string]interface{}{}
	}
	if resp.Stats == nil {
		resp.Stats = map[string]map[string]string{}
	}
	return writeJSON(w, r, http.StatusOK, resp)
}

// agentMembers serves GET /v1/agent/members: the LAN pool, failed and left
// members included, or with ?wan=1 the WAN pool (empty on a client agent,
// as from Consul).
func (s *Server) agentMembers(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	if q.Get("filter") != "" {
		return badRequest("?filter expressions are not supported yet")
	}
	authz, err := s.authorizer(r)
	if err != nil {
		return err
	}
	members := []memberJSON{}
	filtered := false
	wan := boolParam(q, "wan")
	list := s.agent.Members()
	if wan {
		list = s.agent.WANMembers()
	}
	for _, m := range list {
		node := m.Name
		if wan {
			node = wanNodeName(m)
		}
		if !authz.NodeRead(node) {
			filtered = true
			continue
		}
		members = append(members, renderMember(m))
	}
	if filtered {
		w.Header().Set("X-Consul-Results-Filtered-By-ACLs", "true")
	}
	return writeJSON(w, r, http.StatusOK, members)
}

// agentJoin serves PUT /v1/agent/join/:address.
func (s *Server) agentJoin(w http.ResponseWriter, r *http.Request) error {
	addr := strings.TrimPrefix(r.URL.Path, "/v1/agent/join/")
	if addr == "" {
		return badRequest("Missing address to join")
	}
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.AgentWrite(s.agent.Self().NodeName) }); err != nil {
		return err
	}
	join := s.agent.Join
	if boolParam(params(r), "wan") {
		join = s.agent.JoinWAN
	}
	n, err := join([]string{addr})
	if err == nil && n == 0 {
		err = fmt.Errorf("no agent reached at %s", addr)
	}
	if catalog.IsBadRequest(err) {
		return err
	}
	if err != nil {
		s.logger.Warn("join failed", "address", addr, "error", err)
		return &httpError{code: http.StatusInternalServerError, msg: "Failed to join " + addr + ": " + err.Error()}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// agentLeave serves PUT /v1/agent/leave: it answers once the agent has
// left, as Consul does.
func (s *Server) agentLeave(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.AgentWrite(s.agent.Self().NodeName) }); err != nil {
		return err
	}
	if err := s.agent.Leave(); err != nil {
		s.logger.Error("leave failed", "error", err)
		return &httpError{code: http.StatusInternalServerError, msg: "Failed to leave: " + err.Error()}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// agentForceLeave serves PUT /v1/agent/force-leave/:node; ?prune forgets
// the member at once.
func (s *Server) agentForceLeave(w http.ResponseWriter, r *http.Request) error {
	node := strings.TrimPrefix(r.URL.Path, "/v1/agent/force-leave/")
	if node == "" {
		return badRequest("Missing node name")
	}
	q := params(r)
	if err := s.allow(r, func(a acl.Authorizer) bool { return a.OperatorWrite() }); err != nil {
		return err
	}
	forceLeave := s.agent.ForceLeave
	if boolParam(q, "wan") {
		forceLeave = s.agent.ForceLeaveWAN
	}
	if err := forceLeave(node, boolParam(q, "prune")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// wanNodeName is the node a member stands for: a WAN member is named
// "NODE.DC" and tagged with its datacenter.
func wanNodeName(m lan.Member) string {
	if dc := m.Tags["dc"]; dc != "" {
		if node, ok := strings.CutSuffix(m.Name, "."+dc); ok {
			return node
		}
	}
	return m.Name
}
