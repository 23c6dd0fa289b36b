package agent

import (
	"errors"
	"fmt"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/local"
	"github.com/concord-dev/concord/catalog"
)

// startLocal builds the agent's own node state, registers the services
// and checks of the config files, restores the API ones and starts
// anti-entropy.
func (a *Agent) startLocal() error {
	cfg := a.cfg
	dataDir := cfg.DataDir
	if cfg.DevMode && cfg.DataDir == "" {
		dataDir = ""
	}
	st, err := local.New(local.Config{
		NodeName:                cfg.NodeName,
		NodeID:                  a.nodeID,
		Datacenter:              cfg.Datacenter,
		Address:                 cfg.AdvertiseAddr,
		NodeMeta:                cfg.NodeMeta,
		DataDir:                 dataDir,
		EnableScriptChecks:      cfg.EnableScriptChecks,
		EnableLocalScriptChecks: cfg.EnableLocalScriptChecks,
		CheckUpdateInterval:     cfg.CheckUpdateInterval,
		SyncInterval:            cfg.AEInterval,
		ReapInterval:            cfg.CheckReapInterval,
		Logger:                  a.logger.Named("local"),
	}, local.Deps{RPC: a, Tokens: localTokens{a}, PoolSize: func() int { return len(a.lan.Members()) },
		CheckRan: a.metrics.CheckRan})
	if err != nil {
		return err
	}
	a.local = st
	a.events.setServices(st.Services)
	if err := a.applyConfigRegistrations(cfg, nil); err != nil {
		return err
	}
	st.Start()
	return nil
}

// applyConfigRegistrations registers cfg's services and checks and, on a
// reload (prev non-nil), removes those prev had and cfg no longer has.
func (a *Agent) applyConfigRegistrations(cfg, prev *config.Config) error {
	var errs []error
	keepSvc, keepChk := map[string]bool{}, map[string]bool{}
	for _, def := range cfg.Services {
		svc, chks := serviceFromConfig(def)
		keepSvc[svc.ID] = true
		for _, c := range chks {
			keepChk[c.ID] = true
		}
		if err := a.local.AddService(svc, chks, local.SourceConfig, "", true); err != nil {
			errs = append(errs, fmt.Errorf("service %q: %w", svc.ID, err))
		}
	}
	for _, def := range cfg.Checks {
		spec := checkFromConfig(def)
		keepChk[spec.ID] = true
		if err := a.local.AddCheck(spec, local.SourceConfig, ""); err != nil {
			errs = append(errs, fmt.Errorf("check %q: %w", spec.ID, err))
		}
	}
	if prev != nil {
		for _, def := range prev.Services {
			svc, _ := serviceFromConfig(def)
			if src, ok := a.local.ServiceSource(svc.ID); ok && src == local.SourceConfig && !keepSvc[svc.ID] {
				_ = a.local.RemoveService(svc.ID)
			}
		}
		for _, def := range prev.Checks {
			id := checkFromConfig(def).ID
			if src, ok := a.local.CheckSource(id); ok && src == local.SourceConfig && !keepChk[id] {
				_ = a.local.RemoveCheck(id)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("registering the config files' services and checks: %w", errors.Join(errs...))
	}
	return nil
}

func serviceFromConfig(def config.ServiceDefinition) (*catalog.NodeService, []checks.Spec) {
	svc := &catalog.NodeService{
		ID:                def.ID,
		Service:           def.Name,
		Tags:              append([]string(nil), def.Tags...),
		Address:           def.Address,
		Port:              def.Port,
		Meta:              def.Meta,
		EnableTagOverride: def.EnableTagOverride,
		Weights:           &catalog.Weights{Passing: def.Weights.Passing, Warning: def.Weights.Warning},
	}
	if svc.ID == "" {
		svc.ID = svc.Service
	}
	var specs []checks.Spec
	for _, c := range def.Checks {
		spec := checkFromConfig(c)
		spec.ServiceID = svc.ID
		specs = append(specs, spec)
	}
	return svc, specs
}

func checkFromConfig(c config.CheckDefinition) checks.Spec {
	args := append([]string(nil), c.Args...)
	if c.Script != "" && len(args) == 0 {
		// Consul's old single-string "script" ran through a shell; the
		// tutorials' files still use it.
		args = []string{"/bin/sh", "-c", c.Script}
	}
	return checks.Spec{
		ID:                             c.ID,
		Name:                           c.Name,
		Notes:                          c.Notes,
		ServiceID:                      c.ServiceID,
		HTTP:                           c.HTTP,
		Method:                         c.Method,
		Header:                         c.Header,
		Body:                           c.Body,
		TLSSkipVerify:                  c.TLSSkipVerify,
		TLSServerName:                  c.TLSServerName,
		TCP:                            c.TCP,
		UDP:                            c.UDP,
		GRPC:                           c.GRPC,
		GRPCUseTLS:                     c.GRPCUseTLS,
		TTL:                            c.TTL,
		Args:                           args,
		AliasNode:                      c.AliasNode,
		AliasService:                   c.AliasService,
		Interval:                       c.Interval,
		Timeout:                        c.Timeout,
		Status:                         c.Status,
		SuccessBeforePassing:           c.SuccessBeforePassing,
		FailuresBeforeWarning:          c.FailuresBeforeWarning,
		FailuresBeforeCritical:         c.FailuresBeforeCritical,
		DeregisterCriticalServiceAfter: c.DeregisterCriticalServiceAfter,
		OutputMaxSize:                  c.OutputMaxSize,
	}
}

// localTokens gives anti-entropy the agent's current tokens.
type localTokens struct{ a *Agent }

func (t localTokens) AgentToken() string { return t.a.AgentToken("agent") }
func (t localTokens) UserToken() string  { return t.a.AgentToken("default") }
