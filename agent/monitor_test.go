package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

// startLoggedDev starts a dev agent on a logger the test holds, at info.
func startLoggedDev(t *testing.T) (*agent.Agent, hclog.Logger, *api.Client) {
	t.Helper()
	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{Level: hclog.Info, Output: io.Discard})
	a, err := agent.New(agenttest.DevConfig(), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown() })
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddrs()[0].String()})
	if err != nil {
		t.Fatal(err)
	}
	return a, logger, c
}

// awaitLine reads lines until one contains want, failing on any line
// containing refuse first.
func awaitLine(t *testing.T, lines chan string, want, refuse string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for i := 0; i < 10000; i++ {
		select {
		case l := <-lines:
			if l == "" {
				t.Fatalf("stream ended before %q", want)
			}
			if refuse != "" && strings.Contains(l, refuse) {
				t.Fatalf("line %q should have been filtered", l)
			}
			if strings.Contains(l, want) {
				return l
			}
		case <-timeout:
			t.Fatalf("no line with %q within 20s", want)
		}
	}
	t.Fatalf("no line with %q", want)
	return ""
}

func TestMonitorStreamsLinesLoggedAfterSubscribing(t *testing.T) {
	_, logger, c := startLoggedDev(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := (&api.QueryOptions{}).WithContext(ctx)

	// Debug lines reach a debug monitor although the agent logs at info.
	debug, err := c.Agent().Monitor("debug", ctx.Done(), q)
	if err != nil {
		t.Fatal(err)
	}
	// The status line is flushed at once, so the subscription exists.
	logger.Named("test").Debug("debug marker", "n", 1)
	if l := awaitLine(t, debug, "debug marker", ""); !strings.Contains(l, "[DEBUG]") || !strings.Contains(l, "test: debug marker: n=1") {
		t.Fatalf("debug line %q", l)
	}

	// A warn monitor, in JSON, gets no info line.
	warn, err := c.Agent().MonitorJSON("WARN", ctx.Done(), q)
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("info marker")
	logger.Warn("warn marker", "reason", "test")
	var obj map[string]interface{}
	if err := json.Unmarshal([]byte(awaitLine(t, warn, "warn marker", "info marker")), &obj); err != nil ||
		obj["@level"] != "warn" || obj["reason"] != "test" {
		t.Fatalf("json line %v %v", obj, err)
	}

	if _, err := c.Agent().Monitor("loud", nil, nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("unknown level: %v", err)
	}
}

func TestMonitorNeedsAgentRead(t *testing.T) {
	_, client := startACLDev(t)
	if _, err := client("").Agent().Monitor("info", nil, nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous monitor: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines, err := client(rootToken).Agent().Monitor("info", ctx.Done(), (&api.QueryOptions{}).WithContext(ctx))
	if err != nil || lines == nil {
		t.Fatalf("management monitor: %v", err)
	}
}

// TestShutdownEndsMonitorStreams: an attached monitor neither delays the
// agent's shutdown nor outlives it.
func TestShutdownEndsMonitorStreams(t *testing.T) {
	a, _, c := startLoggedDev(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines, err := c.Agent().Monitor("info", ctx.Done(), (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	a.Shutdown()
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("shutdown took %v with a monitor attached", took)
	}
	timeout := time.After(10 * time.Second)
	for i := 0; i < 10000; i++ {
		select {
		case l := <-lines:
			if l == "" {
				return // consul/api's end of stream
			}
		case <-timeout:
			t.Fatal("the monitor stream outlived the agent")
		}
	}
}
