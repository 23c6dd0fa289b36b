package command

import (
	"context"
	"flag"
	"os/signal"

	"github.com/hashicorp/go-hclog"

	"github.com/concord-dev/concord/agent/template"
)

type templateFlags struct {
	templates stringList
	once      bool
	wait      string
}

func templateSpec() spec {
	return spec{
		synopsis: "Render consul-template templates from concord's data",
		usage: `
Usage: concord template -template "in.tmpl:out.cfg[:command]" [options]

  Renders each template (Go text/template with consul-template's functions:
  service, services, nodes, node, key, keyOrDefault, ls, tree, explode, env,
  toJSON, byTag, timestamp, join, split, replaceAll, toLower, toUpper,
  contains) to its destination, then keeps it current through blocking
  queries: after each change the file is rewritten atomically and the
  command, if any, runs (through /bin/sh -c, for at most 30 s). With -once
  each template is rendered once and the verb exits.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			f := &templateFlags{}
			fs.Var(&f.templates, "template", "A template as \"source:destination[:command]\". "+
				"May be given several times.")
			fs.BoolVar(&f.once, "once", false, "Render each template once and exit.")
			fs.StringVar(&f.wait, "wait", "", "Quiescence \"min:max\" (or \"min\", max being 4 x min): "+
				"render once no change came for min, at the latest max after the first change.")
			h := clientFlags(fs)
			return func(args []string) int { return c.template(h, f, args) }
		},
	}
}

func (c *cli) template(h *httpFlags, f *templateFlags, args []string) int {
	if len(args) > 0 {
		c.errorf("Too many arguments (expected 0, got %d)", len(args))
		return 1
	}
	if len(f.templates) == 0 {
		c.errorf("At least one -template is required")
		return 1
	}
	var wait template.Wait
	if f.wait != "" {
		w, err := template.ParseWait(f.wait)
		if err != nil {
			c.errorf("Error parsing -wait: %s", err)
			return 1
		}
		wait = w
	}
	var specs []template.Spec
	for _, s := range f.templates {
		sp, err := template.ParseSpec(s)
		if err != nil {
			c.errorf("Error parsing -template: %s", err)
			return 1
		}
		sp.Wait = wait
		specs = append(specs, sp)
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "template", Output: c.env.Stderr, Level: hclog.Info})
	r, err := template.New(template.Config{Templates: specs, Client: client, Logger: logger, Env: c.env.Getenv})
	if err != nil {
		c.errorf("Error: %s", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), interrupts...)
	defer stop()
	if f.once {
		err = r.Once(ctx)
	} else {
		err = r.Run(ctx)
	}
	if err != nil {
		c.errorf("Error rendering templates: %s", err)
		return 1
	}
	return 0
}
