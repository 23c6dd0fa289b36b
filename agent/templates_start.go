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
	client, err := a.selfClient(a.cfg.ACL.Tokens.Default)
	if err != nil {
		return err
	}
	if client == nil {
		a.logger.Warn("templates are configured but the agent serves no HTTP API for them; they do not run")
		return nil
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

// selfClient is a Consul API client of the agent's own HTTP API with
// token: the first HTTP listener, else the first HTTPS one (its
// certificate is the agent's own, so it is not verified on this loopback
// hop). It is nil when the agent serves no HTTP API.
func (a *Agent) selfClient(token string) (*api.Client, error) {
	acfg := api.DefaultConfig()
	acfg.Token = token
	switch {
	case len(a.httpAddrs) > 0:
		acfg.Address = dialable(a.httpAddrs[0])
	case len(a.httpsAddrs) > 0:
		acfg.Address, acfg.Scheme = dialable(a.httpsAddrs[0]), "https"
		acfg.TLSConfig.InsecureSkipVerify = true
	default:
		return nil, nil
	}
	return api.NewClient(acfg)
}
