package local

import (
	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

// Maintenance check IDs and texts, Consul's, since tools look for them.
const (
	NodeMaintCheckID       = "_node_maintenance"
	ServiceMaintCheckIDPre = "_service_maintenance:"
	maintType              = "maintenance"
	defaultNodeMaintReason = "Maintenance mode is enabled for this node, " +
		"but no reason was provided. This is a default message."
	defaultServiceMaintReason = "Maintenance mode is enabled for this service, " +
		"but no reason was provided. This is a default message."
)

func isMaintenance(id string) bool {
	return id == NodeMaintCheckID || len(id) > len(ServiceMaintCheckIDPre) && id[:len(ServiceMaintCheckIDPre)] == ServiceMaintCheckIDPre
}

// NodeMaintenance puts the whole node in maintenance (a critical check
// that takes every service on it out of ?passing answers) or out of it.
func (s *State) NodeMaintenance(enable bool, reason string) {
	if reason == "" {
		reason = defaultNodeMaintReason
	}
	s.setMaintenance(NodeMaintCheckID, "Node Maintenance Mode", "", enable, reason)
}

// ServiceMaintenance does the same for one service.
func (s *State) ServiceMaintenance(id string, enable bool, reason string) error {
	s.mu.Lock()
	e, ok := s.services[id]
	s.mu.Unlock()
	if !ok || e.deleted {
		return notFound("service", id)
	}
	if reason == "" {
		reason = defaultServiceMaintReason
	}
	s.setMaintenance(ServiceMaintCheckIDPre+id, "Service Maintenance Mode", id, enable, reason)
	return nil
}

func (s *State) setMaintenance(checkID, name, serviceID string, enable bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, on := s.checks[checkID]
	on = on && !cur.deleted
	if !enable {
		if on {
			s.removeCheckLocked(checkID)
			s.trigger()
		}
		return
	}
	if on && cur.hc.Notes == reason {
		return
	}
	hc := &catalog.HealthCheck{
		Node:      s.cfg.NodeName,
		CheckID:   checkID,
		Name:      name,
		Status:    catalog.HealthCritical,
		Notes:     reason,
		ServiceID: serviceID,
		Type:      maintType,
	}
	if e := s.services[serviceID]; serviceID != "" && e != nil {
		hc.ServiceName, hc.ServiceTags = e.svc.Service, append([]string(nil), e.svc.Tags...)
	}
	s.checks[checkID] = &checkEntry{hc: hc, spec: checks.Spec{ID: checkID, Name: name, ServiceID: serviceID, Notes: reason}, source: SourceAPI}
	s.persistCheckLocked(checkID)
	s.trigger()
}
