package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/sdnotify"
	"github.com/hashicorp/go-hclog"
)

// runAgent starts an agent and runs it until a signal or a leave.
// SIGINT and SIGTERM stop it gracefully: a leader hands off leadership,
// and the agent leaves the pool when leave_on_terminate /
// skip_leave_on_interrupt say so (clients leave, servers keep their
// Raft seat by default, as in Consul). SIGHUP reloads the configuration:
// the log level and the config files' services and checks. Under a
// systemd Type=notify unit ($NOTIFY_SOCKET) it sends READY=1 once the
// agent serves its HTTP API (a server does not wait for a leader, as in
// Consul), RELOADING=1 then READY=1 around a reload, and STOPPING=1.
func runAgent(args []string) int {
	cfg, warnings, err := config.Load(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stdout, "Usage: concord agent [options]\n\n  Starts the concord agent and runs until an interrupt is received.\n\nOptions:\n"+config.Usage())
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "==> %v\n", err)
		return 1
	}
	// An InterceptLogger, so /v1/agent/monitor can subscribe to it.
	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{
		Name:       "agent",
		Level:      hclog.LevelFromString(cfg.LogLevel),
		JSONFormat: cfg.LogJSON,
		Output:     os.Stderr,
	})
	for _, w := range warnings {
		logger.Warn(w)
	}
	if cfg.DevMode {
		logger.Warn("dev mode: a single in-memory server; nothing persists and nothing is secured")
	}
	a, err := agent.New(cfg, logger)
	if err != nil {
		logger.Error("agent failed to start", "error", err)
		return 1
	}
	a.SetConfigLoader(func() (*config.Config, error) {
		cfg, warnings, err := config.Load(args)
		for _, w := range warnings {
			logger.Warn(w)
		}
		return cfg, err
	})
	fmt.Fprintf(os.Stderr, "==> concord agent running: node %q, datacenter %q, server %v, HTTP %v\n", cfg.NodeName, cfg.Datacenter, cfg.Server, a.HTTPAddrs())
	systemd := sdnotify.New(os.Getenv("NOTIFY_SOCKET"))
	notify := func(states ...string) {
		if err := systemd.Notify(states...); err != nil {
			logger.Warn("systemd notification", "states", states, "error", err)
		}
	}
	// Signals are caught before systemd hears READY=1, after which it
	// may send SIGHUP at any time.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	notify(sdnotify.Ready, "STATUS=serving")
	for {
		select {
		case <-a.ShutdownCh():
			notify(sdnotify.Stopping)
			return 0
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				logger.Info("caught signal; reloading the configuration", "signal", sig.String())
				notify(sdnotify.Reloading, "STATUS=reloading")
				status := "STATUS=serving"
				if err := a.Reload(); err != nil {
					logger.Error("reload", "error", err)
					// One line: sd_notify separates assignments by newlines.
					status = "STATUS=serving; the last reload failed: " + strings.ReplaceAll(err.Error(), "\n", " ")
				}
				notify(sdnotify.Ready, status)
				continue
			case syscall.SIGINT:
				logger.Info("caught signal", "signal", sig.String())
				notify(sdnotify.Stopping)
				if err := a.GracefulStop(!cfg.SkipLeaveOnInt); err != nil {
					logger.Error("shutdown", "error", err)
					return 1
				}
			default:
				logger.Info("caught signal", "signal", sig.String())
				notify(sdnotify.Stopping)
				if err := a.GracefulStop(cfg.LeaveOnTerm); err != nil {
					logger.Error("shutdown", "error", err)
					return 1
				}
			}
			return 0
		}
	}
}
