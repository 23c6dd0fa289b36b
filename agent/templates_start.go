package agent

import (
	"context"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/template"
)

// templateRun is the running renderer of the "template" blocks.
type templateRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (t *templateRun) stop() {
	if t != nil {
		t.cancel()
		<-t.done
	}
}

// startTemplates renders the configured templates against the agent's
// own HTTP API, as watches do; it replaces any renderer running. A set
// that does not validate (a missing source, a syntax error) is refused
// and the running one kept.
func (a *Agent) startTemplates(defs []config.TemplateDefinition) error {
	if len(defs) == 0 {
		a.templates.stop()
		a.templates = nil
		return nil
	}
	acfg := api.DefaultConfig()
	acfg.Token = a.cfg.ACL.Tokens.Default
	switch {
	case len(a.httpAddrs) > 0:
		acfg.Address = dialable(a.httpAddrs[0])
	case len(a.httpsAddrs) > 0:
		acfg.Address, acfg.Scheme = dialable(a.httpsAddrs[0]), "https"
		// The agent's own certificate, on its loopback hop.
		acfg.TLSConfig.InsecureSkipVerify = true
	default:
		a.logger.Warn("templates are configured but the agent serves no HTTP API for them; they do not run")
		return nil
	}
	client, err := api.NewClient(acfg)
	if err != nil {
		return err
	}
	specs := make([]template.Spec, 0, len(defs))
	for _, d := range defs {
		specs = append(specs, template.Spec{Source: d.Source, Destination: d.Destination, Command: d.Command,
			CommandTimeout: d.CommandTimeout, Perms: d.Perms, Wait: template.Wait{Min: d.WaitMin, Max: d.WaitMax}})
	}
	r, err := template.New(template.Config{Templates: specs, Client: client, Logger: a.logger.Named("template")})
	if err != nil {
		return err
	}
	a.templates.stop()
	ctx, cancel := context.WithCancel(context.Background())
	run := &templateRun{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		r.Run(ctx)
	}()
	a.templates = run
	return nil
}
