package agent

// This file is a placeholder so the agent satisfies httpapi.Agent until
// agent/local lands; it is replaced by the real local state. Every write
// answers errLocalNotImplemented and every read is empty.

import (
	"errors"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/catalog"
)

// errLocalNotImplemented is what the placeholder Local methods answer.
var errLocalNotImplemented = errors.New("agent services and checks are not implemented yet")

// LocalServices is a placeholder: no services.
func (a *Agent) LocalServices() []*catalog.NodeService { return nil }

// LocalChecks is a placeholder: no checks.
func (a *Agent) LocalChecks() []*catalog.HealthCheck { return nil }

// RegisterService is a placeholder that refuses.
func (a *Agent) RegisterService(*catalog.NodeService, []checks.Spec, httpapi.RegisterOptions) error {
	return errLocalNotImplemented
}

// DeregisterService is a placeholder that refuses.
func (a *Agent) DeregisterService(string) error { return errLocalNotImplemented }

// RegisterCheck is a placeholder that refuses.
func (a *Agent) RegisterCheck(checks.Spec, httpapi.RegisterOptions) error {
	return errLocalNotImplemented
}

// DeregisterCheck is a placeholder that refuses.
func (a *Agent) DeregisterCheck(string) error { return errLocalNotImplemented }

// UpdateTTLCheck is a placeholder that refuses.
func (a *Agent) UpdateTTLCheck(string, string, string) error { return errLocalNotImplemented }

// ServiceMaintenance is a placeholder that refuses.
func (a *Agent) ServiceMaintenance(string, bool, string) error { return errLocalNotImplemented }

// NodeMaintenance is a placeholder that does nothing.
func (a *Agent) NodeMaintenance(bool, string) {}

// Reload is a placeholder that refuses.
func (a *Agent) Reload() error { return errLocalNotImplemented }
