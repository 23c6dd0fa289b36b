package command

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/signal"
	"strconv"
	"sync"

	"github.com/hashicorp/consul/api/watch"
	"github.com/hashicorp/go-hclog"
)

type watchFlags struct {
	typ, key, prefix, service, state, name optString
	tags                                   stringList
	passingOnly                            bool
	shell                                  bool
}

func watchSpec() spec {
	return spec{
		synopsis: "Watch for changes in concord",
		usage: `
Usage: concord watch [options] [child...]

  Watches for changes in a given data view from concord. If a child process
  is specified, it will be invoked with the latest results on changes.
  Otherwise, the latest values are dumped to stdout and the watch terminates.

  Providing the watch type is required, and other parameters may be required
  or supported depending on the watch type.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			f := &watchFlags{}
			fs.Var(&f.typ, "type", "Specifies the watch type. One of key, keyprefix, "+
				"services, nodes, service, or checks.")
			fs.Var(&f.key, "key", "Specifies the key to watch. Only for 'key' type.")
			fs.Var(&f.prefix, "prefix", "Specifies the key prefix to watch. Only for "+
				"'keyprefix' type.")
			fs.Var(&f.service, "service", "Specifies the service to watch. Required "+
				"for 'service' type, optional for 'checks' type.")
			fs.Var(&f.tags, "tag", "Specifies the service tag(s) to filter on. "+
				"Optional for 'service' type. May be specified multiple times.")
			fs.BoolVar(&f.passingOnly, "passingonly", false, "Specifies if only hosts "+
				"passing all checks are displayed. Optional for 'service' type, must "+
				"be one of `[true|false]`. Defaults false.")
			fs.Var(&f.state, "state", "Specifies the states to watch. Optional for "+
				"'checks' type.")
			fs.Var(&f.name, "name", "Specifies an event name to watch. Only for "+
				"'event' type.")
			fs.BoolVar(&f.shell, "shell", true, "Use a shell (/bin/sh -c) to run the "+
				"handler.")
			h := serverFlags(fs)
			return func(args []string) int { return c.watch(h, f, args) }
		},
	}
}

// params is the watch as the api/watch package's parameter map; only the
// flags given appear, so the package reports the ones a type rejects.
func (f *watchFlags) params(h *httpFlags) map[string]interface{} {
	p := map[string]interface{}{}
	for name, o := range map[string]*optString{
		"type": &f.typ, "key": &f.key, "prefix": &f.prefix, "service": &f.service,
		"state": &f.state, "name": &f.name, "datacenter": &h.datacenter,
	} {
		if o.set {
			p[name] = o.v
		}
	}
	if len(f.tags) > 0 {
		p["tag"] = []string(f.tags)
	}
	if f.passingOnly {
		p["passingonly"] = true
	}
	if h.stale {
		p["stale"] = true
	}
	return p
}

func (c *cli) watch(h *httpFlags, f *watchFlags, args []string) int {
	if f.typ.v == "" {
		c.errorf("Watch type must be specified")
		return 1
	}
	plan, err := watch.Parse(f.params(h))
	if err != nil {
		c.errorf("Error parsing watch params: %s", err)
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	if _, err := client.Agent().NodeName(); err != nil {
		c.errorf("Error querying concord agent: %s", err)
		return 1
	}

	var mu sync.Mutex
	failed := false
	plan.HybridHandler = func(v watch.BlockingParamVal, data interface{}) {
		buf, err := json.MarshalIndent(data, "", "    ")
		if err != nil {
			c.errorf("Error encoding output: %s", err)
			mu.Lock()
			failed = true
			mu.Unlock()
			plan.Stop()
			return
		}
		if len(args) == 0 {
			// No handler: the current result, then done, as Consul's
			// watch does.
			c.out(string(buf))
			plan.Stop()
			return
		}
		if err := c.runHandler(args, f.shell, v, buf); err != nil {
			c.errorf("Error executing handler: %s", err)
			mu.Lock()
			failed = true
			mu.Unlock()
			plan.Stop()
		}
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, interrupts...)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			plan.Stop()
		}
	}()

	logger := hclog.New(&hclog.LoggerOptions{Output: c.env.Stderr, Level: hclog.Info})
	if err := plan.RunWithClientAndHclog(client, logger); err != nil {
		c.errorf("Error querying concord agent: %s", err)
		return 1
	}
	mu.Lock()
	defer mu.Unlock()
	if failed {
		return 1
	}
	return 0
}

// runHandler runs the handler once with the result on its stdin and the
// index in CONSUL_INDEX, as Consul's watch does.
func (c *cli) runHandler(args []string, shell bool, v watch.BlockingParamVal, data []byte) error {
	cmd := childCommand(args, shell)
	cmd.Stdin = bytes.NewReader(data)
	cmd.Stdout, cmd.Stderr = c.env.Stdout, c.env.Stderr
	cmd.Env = os.Environ()
	if idx, ok := v.(watch.WaitIndexVal); ok {
		cmd.Env = append(cmd.Env, "CONSUL_INDEX="+strconv.FormatUint(uint64(idx), 10))
	}
	return cmd.Run()
}
