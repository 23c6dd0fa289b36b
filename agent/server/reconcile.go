package server

import (
	"errors"
	"fmt"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/raft"
)

// reconcileAll brings every member into the catalog and removes catalog
// nodes that gossip has forgotten (reaped members), and servers that were
// reaped from the Raft configuration. Errors are logged: the next event
// or tick tries again.
func (s *Server) reconcileAll() {
	members := s.lan.Members()
	known := make(map[string]bool, len(members))
	knownIDs := make(map[string]bool, len(members))
	for _, m := range members {
		if !s.sameDC(m) {
			continue
		}
		known[m.Name] = true
		if id := m.Tags[lan.TagID]; id != "" {
			knownIDs[id] = true
		}
		if err := s.reconcileMember(m); err != nil {
			s.logger.Warn("reconcile member failed", "member", m.Name, "error", err)
		}
	}
	// A server reaped while there was no leader (or while leadership
	// changed hands) left no event for this leader: the pool's memory of
	// reaps does. One that came back, under any name, keeps its seat.
	for _, m := range s.lan.Reaped() {
		if !s.sameDC(m) || known[m.Name] || knownIDs[m.Tags[lan.TagID]] {
			continue
		}
		if err := s.removeRaftMember(m); err != nil {
			s.logger.Warn("remove reaped server from raft", "member", m.Name, "error", err)
		}
	}
	// Nodes carrying the gossip check but unknown to gossip were reaped.
	// Nodes registered through the catalog API have no such check and
	// are left alone.
	_, checks, err := s.fsm.State().ChecksInState(nil, catalog.HealthAny)
	if err != nil {
		s.logger.Warn("reconcile: list checks", "error", err)
		return
	}
	for _, c := range checks {
		if c.CheckID != catalog.SerfCheckID || known[c.Node] {
			continue
		}
		if err := s.deregisterNode(c.Node); err != nil {
			s.logger.Warn("reconcile: deregister reaped node", "node", c.Node, "error", err)
		}
	}
}

func (s *Server) sameDC(m lan.Member) bool {
	dc := m.Tags["dc"]
	return dc == "" || dc == s.cfg.Datacenter
}

func (s *Server) reconcileMember(m lan.Member) error {
	if !s.sameDC(m) {
		return nil
	}
	switch m.Status {
	case lan.StatusAlive:
		if err := s.ensureRaftMember(m); err != nil {
			s.logger.Warn("add server to raft", "member", m.Name, "error", err)
		}
		if err := s.ensureNodeHealth(m, catalog.HealthPassing, catalog.SerfCheckAliveOutput); err != nil {
			return err
		}
		return s.ensureConsulService(m)
	case lan.StatusFailed:
		return s.ensureNodeHealth(m, catalog.HealthCritical, catalog.SerfCheckFailedOutput)
	case lan.StatusLeft:
		if err := s.removeRaftMember(m); err != nil {
			s.logger.Warn("remove server from raft", "member", m.Name, "error", err)
		}
		if m.Name == s.cfg.NodeName {
			return nil
		}
		return s.deregisterNode(m.Name)
	}
	return nil
}

// ensureNodeHealth registers the member's node with its serfHealth check
// in the given state, writing only when something differs.
func (s *Server) ensureNodeHealth(m lan.Member, status, output string) error {
	st := s.fsm.State()
	addr := m.Addr.String()
	_, node, err := st.GetNode(nil, m.Name)
	if err != nil {
		return err
	}
	if node != nil && node.Address == addr && node.ID == m.Tags["id"] {
		_, checks, err := st.NodeChecks(nil, m.Name)
		if err != nil {
			return err
		}
		for _, c := range checks {
			if c.CheckID == catalog.SerfCheckID && c.Status == status {
				return nil
			}
		}
	}
	req := &catalog.RegisterRequest{
		Node:    m.Name,
		ID:      m.Tags["id"],
		Address: addr,
		Check: &catalog.HealthCheck{
			Node:    m.Name,
			CheckID: catalog.SerfCheckID,
			Name:    catalog.SerfCheckName,
			Status:  status,
			Output:  output,
		},
	}
	if node != nil {
		req.TaggedAddresses = node.TaggedAddresses
		req.NodeMeta = node.Meta
		// A failed member keeps the address the catalog has.
		if status != catalog.HealthPassing {
			req.Address = node.Address
			req.ID = node.ID
		}
	}
	if req.TaggedAddresses == nil {
		req.TaggedAddresses = map[string]string{"lan": addr, "lan_ipv4": addr, "wan": addr, "wan_ipv4": addr}
	}
	_, err = s.raftApply(fsm.RegisterRequestType, req)
	return err
}

func (s *Server) deregisterNode(name string) error {
	_, node, err := s.fsm.State().GetNode(nil, name)
	if err != nil || node == nil {
		return err
	}
	_, err = s.raftApply(fsm.DeregisterRequestType, &catalog.DeregisterRequest{Node: name})
	return err
}

// ensureRaftMember adds an alive server of this datacenter as a
// non-voter; autopilot promotes it once it has been healthy for the
// stabilization time, so a server still catching up never counts toward
// the quorum. A server that came back under a new ID at the same address
// replaces its old entry, so the quorum never counts a ghost.
func (s *Server) ensureRaftMember(m lan.Member) error {
	srv, ok := lan.ServerFromMember(m)
	if !ok {
		return nil
	}
	addr := raft.ServerAddress(srv.Addr.String())
	id := raft.ServerID(srv.ID)
	if id == "" {
		return fmt.Errorf("server %s advertises no node id", m.Name)
	}
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	for _, cur := range f.Configuration().Servers {
		if cur.ID == id && cur.Address == addr {
			return nil
		}
		if cur.Address == addr && cur.ID != id {
			if err := s.raft.RemoveServer(cur.ID, 0, 0).Error(); err != nil {
				return err
			}
		}
	}
	s.logger.Info("adding server to raft as a non-voter", "server", m.Name, "address", addr)
	return s.raft.AddNonvoter(id, addr, 0, 0).Error()
}

func (s *Server) removeRaftMember(m lan.Member) error {
	srv, ok := lan.ServerFromMember(m)
	if !ok || srv.ID == s.cfg.NodeID {
		return nil
	}
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	for _, cur := range f.Configuration().Servers {
		if cur.ID == raft.ServerID(srv.ID) {
			s.logger.Info("removing server that left from raft", "server", m.Name)
			err := s.raft.RemoveServer(cur.ID, 0, 0).Error()
			if errors.Is(err, raft.ErrNotLeader) {
				return nil
			}
			return err
		}
	}
	return nil
}
