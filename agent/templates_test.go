package agent_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

// TestAgentTemplateBlock: the agent renders its "template" blocks while
// it runs, and a reload replaces them.
func TestAgentTemplateBlock(t *testing.T) {
	dir := t.TempDir()
	in1, out1 := filepath.Join(dir, "one.tmpl"), filepath.Join(dir, "one.out")
	in2, out2 := filepath.Join(dir, "two.tmpl"), filepath.Join(dir, "two.out")
	os.WriteFile(in1, []byte(`one={{ keyOrDefault "app/v" "none" }}`), 0o644)
	os.WriteFile(in2, []byte(`two={{ key "app/v" }}`), 0o644)
	a, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Templates = []config.TemplateDefinition{{Source: in1, Destination: out1}}
	})
	fileIs := func(path, want string) {
		t.Helper()
		agenttest.WaitFor(t, 30*time.Second, path+" = "+want, func() error {
			if b, _ := os.ReadFile(path); string(b) != want {
				return fmt.Errorf("%s is %q", path, b)
			}
			return nil
		})
	}
	fileIs(out1, "one=none")
	if _, err := c.KV().Put(&api.KVPair{Key: "app/v", Value: []byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
	fileIs(out1, "one=1")

	next := agenttest.DevConfig()
	next.Templates = []config.TemplateDefinition{{Source: in2, Destination: out2}}
	a.SetConfigLoader(func() (*config.Config, error) { return next, nil })
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	fileIs(out2, "two=1")
	if _, err := c.KV().Put(&api.KVPair{Key: "app/v", Value: []byte("2")}, nil); err != nil {
		t.Fatal(err)
	}
	fileIs(out2, "two=2")
	if b, _ := os.ReadFile(out1); string(b) != "one=1" {
		t.Errorf("the template removed by the reload still renders: %q", b)
	}
}
