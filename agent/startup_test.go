package agent_test

import (
	"net"
	"strings"
	"testing"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/go-hclog"
)

// A port another process holds stops start-up with an error that names
// it, and what had started is stopped again.
func TestStartupFailsCleanlyOnBusyPort(t *testing.T) {
	for _, which := range []string{"server", "http"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		cfg := agenttest.DevConfig()
		if which == "server" {
			cfg.Ports.Server = port
		} else {
			cfg.Ports.HTTP = port
		}
		a, err := agent.New(cfg, hclog.NewNullLogger())
		ln.Close()
		if err == nil {
			a.Shutdown()
			t.Fatalf("%s port in use: agent started", which)
		}
		if !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("%s port in use: unclear error %q", which, err)
		}
	}
}
