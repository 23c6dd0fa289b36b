package server

import (
	"strconv"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/lan"
)

// The service every server is registered as, so that clients and DNS can
// find servers through the catalog (consul.service.consul). The names are
// Consul's.
const (
	consulServiceID   = "consul"
	consulServiceName = "consul"
)

// ensureConsulService registers an alive server of this datacenter as the
// consul service on its node, at the RPC port its gossip tags advertise.
// An entry already equal is left alone, so reconciling every interval
// writes nothing and wakes no watcher.
func (s *Server) ensureConsulService(m lan.Member) error {
	srv, ok := lan.ServerFromMember(m)
	if !ok {
		return nil
	}
	want := &catalog.NodeService{
		ID:      consulServiceID,
		Service: consulServiceName,
		Port:    srv.Addr.Port,
		Weights: &catalog.Weights{Passing: 1, Warning: 1},
		Meta: map[string]string{
			"raft_version": strconv.Itoa(srv.RaftVersion),
			"version":      srv.Build,
		},
	}
	_, ns, err := s.fsm.State().NodeServices(nil, m.Name)
	if err != nil {
		return err
	}
	if ns == nil {
		// The node is registered with its serfHealth check first; the
		// next reconcile finds it.
		return nil
	}
	if cur, ok := ns.Services[consulServiceID]; ok && sameConsulService(cur, want) {
		return nil
	}
	req := &catalog.RegisterRequest{
		Node:           m.Name,
		SkipNodeUpdate: true,
		Service:        want,
	}
	_, err = s.raftApply(fsm.RegisterRequestType, req)
	return err
}

func sameConsulService(a, b *catalog.NodeService) bool {
	if a.ID != b.ID || a.Service != b.Service || a.Port != b.Port || a.Address != b.Address ||
		len(a.Tags) != 0 || a.EnableTagOverride || a.Weights == nil || *a.Weights != *b.Weights ||
		len(a.Meta) != len(b.Meta) {
		return false
	}
	for k, v := range b.Meta {
		if a.Meta[k] != v {
			return false
		}
	}
	return true
}
