package agent

import (
	"errors"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/agent/local"
	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// These methods serve the agent API's /v1/agent/service*, /check* and
// maintenance endpoints from the local state.

func (a *Agent) LocalServices() []*catalog.NodeService { return a.local.Services() }
func (a *Agent) LocalChecks() []*catalog.HealthCheck   { return a.local.Checks() }

func (a *Agent) RegisterService(svc *catalog.NodeService, chks []checks.Spec, opts httpapi.RegisterOptions) error {
	return a.local.AddService(svc, chks, local.SourceAPI, opts.Token, opts.ReplaceExistingChecks)
}

func (a *Agent) DeregisterService(id string) error { return a.local.RemoveService(id) }

func (a *Agent) RegisterCheck(spec checks.Spec, opts httpapi.RegisterOptions) error {
	return a.local.AddCheck(spec, local.SourceAPI, opts.Token)
}

func (a *Agent) DeregisterCheck(id string) error { return a.local.RemoveCheck(id) }

func (a *Agent) UpdateTTLCheck(id, status, output string) error {
	return a.local.UpdateTTL(id, status, output)
}

func (a *Agent) ServiceMaintenance(id string, enable bool, reason string) error {
	return a.local.ServiceMaintenance(id, enable, reason)
}

func (a *Agent) NodeMaintenance(enable bool, reason string) { a.local.NodeMaintenance(enable, reason) }

// SetConfigLoader gives the agent the way to re-read its configuration
// (the same flags and files it started with), for Reload.
func (a *Agent) SetConfigLoader(load func() (*config.Config, error)) {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	a.loadConfig = load
}

// Reload re-reads the configuration and applies what can change while
// running: the log level, and the config files' services and checks (new
// ones appear, removed ones are deregistered, changed checks restart).
// A configuration that does not load changes nothing.
func (a *Agent) Reload() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	if a.loadConfig == nil {
		return errors.New("this agent was not started from configuration files; nothing to reload")
	}
	cfg, err := a.loadConfig()
	if err != nil {
		a.logger.Error("reload failed; keeping the running configuration", "error", err)
		return catalog.BadRequestf("reload failed, the running configuration is kept: " + err.Error())
	}
	if l, ok := a.logger.(hclog.InterceptLogger); ok {
		l.SetLevel(hclog.LevelFromString(cfg.LogLevel))
	} else {
		a.logger.SetLevel(hclog.LevelFromString(cfg.LogLevel))
	}
	if err := a.reloadTLS(cfg); err != nil {
		return err
	}
	prev := a.cfg
	if err := a.applyConfigRegistrations(cfg, prev); err != nil {
		a.logger.Error("reload: some registrations failed", "error", err)
		return err
	}
	if a.watches != nil {
		if err := a.watches.Replace(cfg.Watches); err != nil {
			a.logger.Error("reload: the watches did not start", "error", err)
			return err
		}
	}
	a.cfg.Services, a.cfg.Checks, a.cfg.LogLevel = cfg.Services, cfg.Checks, cfg.LogLevel
	if err := a.startTemplates(cfg.Templates); err != nil {
		a.logger.Error("reload: the templates did not start; the running ones are kept", "error", err)
		return err
	}
	if err := a.reloadZoneExport(cfg.DNS); err != nil {
		a.logger.Error("reload: the zone export did not start", "error", err)
		return err
	}
	a.cfg.Watches, a.cfg.Templates = cfg.Watches, cfg.Templates
	a.cfg.DNS.ZoneTransfer, a.cfg.DNS.ZoneUpdate = cfg.DNS.ZoneTransfer, cfg.DNS.ZoneUpdate
	a.logger.Info("configuration reloaded", "services", len(cfg.Services), "checks", len(cfg.Checks), "watches", len(cfg.Watches))
	return nil
}
