package command

import (
	"context"
	"flag"
	"os"
	"os/signal"

	"github.com/hashicorp/consul/api"
)

func monitorSpec() spec {
	return spec{
		synopsis: "Stream logs from a concord agent",
		usage: `
Usage: concord monitor [options]

  Shows recent log messages of a concord agent, and attaches to the agent,
  outputting log messages as they occur in real time. The monitor lets you
  listen for log levels that may be filtered out of the agent's own log:
  the agent may log at info while the monitor shows debug.

  The stream ends with an interrupt (Ctrl-C) or when the agent stops.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			level := fs.String("log-level", "info", "Log level of the agent's lines to show: trace, debug, info, warn or error.")
			var asJSON bool
			fs.BoolVar(&asJSON, "json", false, "Output log lines in JSON format.")
			fs.BoolVar(&asJSON, "log-json", false, "Same as -json (Consul's name).")
			h := clientFlags(fs)
			return func([]string) int { return c.monitor(h, *level, asJSON) }
		},
	}
}

// interruptible returns a context that ends with parent or at the first
// interrupt (SIGINT, SIGTERM), calling onSignal then if it is not nil;
// stop releases the signal handler.
func interruptible(parent context.Context, onSignal func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, interrupts...)
	go func() {
		select {
		case <-sigs:
			if onSignal != nil {
				onSignal()
			}
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

// streamLog subscribes to the agent's log and calls each for every line
// until ctx ends or the agent closes the stream; it reports which.
func streamLog(ctx context.Context, client *api.Client, level string, asJSON bool, each func(string)) (remoteEnded bool, err error) {
	q := (&api.QueryOptions{}).WithContext(ctx)
	open := client.Agent().Monitor
	if asJSON {
		open = client.Agent().MonitorJSON
	}
	lines, err := open(level, ctx.Done(), q)
	if err != nil {
		return false, err
	}
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case line, ok := <-lines:
			// consul/api sends "" once the stream has ended.
			if !ok || line == "" {
				return ctx.Err() == nil, nil
			}
			each(line)
		}
	}
}

func (c *cli) monitor(h *httpFlags, level string, asJSON bool) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	ctx, stop := interruptible(context.Background(), nil)
	defer stop()
	remoteEnded, err := streamLog(ctx, client, level, asJSON, func(line string) { c.out(line) })
	if err != nil {
		c.errorf("Error starting monitor: %s", err)
		return 1
	}
	if remoteEnded {
		c.out("\nRemote side ended the monitor! This usually means that the\nremote side has exited or crashed.")
	}
	return 0
}
