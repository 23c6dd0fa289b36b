package agent_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

// hook records what an http watch handler receives.
type hook struct {
	mu   sync.Mutex
	hits []string // method, X-Consul-Index, X-Test header, body
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.hits = append(h.hits, fmt.Sprintf("%s %s %s %s", r.Method, r.Header.Get("X-Consul-Index"), r.Header.Get("X-Test"), body))
	h.mu.Unlock()
}

func (h *hook) saw(sub string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hit := range h.hits {
		if strings.Contains(hit, sub) {
			return nil
		}
	}
	return fmt.Errorf("no request with %q in %q", sub, h.hits)
}

func watchDefs(t *testing.T, src string) []config.WatchDefinition {
	t.Helper()
	var defs []config.WatchDefinition
	if err := json.Unmarshal([]byte(src), &defs); err != nil {
		t.Fatal(err)
	}
	return defs
}

// TestConfiguredWatches: "watches" run with the agent, a script handler
// gets the result on stdin and an http one as the body, and a reload
// replaces the set.
func TestConfiguredWatches(t *testing.T) {
	dir := t.TempDir()
	h := &hook{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	script := fmt.Sprintf(`{"type": "key", "key": "flags/beta", "handler_type": "script",
		"args": ["/bin/sh", "-c", "cat > %[1]s/tmp.$$ && mv %[1]s/tmp.$$ %[1]s/out-$CONSUL_INDEX"]}`, dir)
	hookDef := fmt.Sprintf(`{"type": "keyprefix", "prefix": "flags/", "handler_type": "http",
		"http_handler_config": {"path": %q, "method": "PUT", "header": {"X-Test": ["yes"]}, "timeout": "5s"}}`, srv.URL)

	a, _, c := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.Watches = watchDefs(t, "["+script+","+hookDef+"]")
	})
	scriptSaw := func(sub string) func() error {
		return func() error {
			names, _ := filepath.Glob(filepath.Join(dir, "out-*"))
			for _, n := range names {
				b, _ := os.ReadFile(n)
				if strings.Contains(string(b), sub) {
					return nil
				}
			}
			return fmt.Errorf("no handler run saw %q among %d", sub, len(names))
		}
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "flags/beta", Value: []byte("on")}, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "the script handler sees the write", scriptSaw(`"Value":"b24="`))
	agenttest.WaitFor(t, 10*time.Second, "the http handler sees the write", func() error { return h.saw(`PUT `) })
	if err := h.saw(` yes [{"Key":"flags/beta"`); err != nil {
		t.Error(err)
	}

	// A reload keeps only the http watch.
	next := agenttest.DevConfig()
	next.Watches = watchDefs(t, "["+hookDef+"]")
	a.SetConfigLoader(func() (*config.Config, error) { return next, nil })
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "flags/beta", Value: []byte("off")}, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "the http handler sees the second write", func() error { return h.saw(`"Value":"b2Zm"`) })
	time.Sleep(200 * time.Millisecond)
	if scriptSaw(`"Value":"b2Zm"`)() == nil {
		t.Error("the script watch removed by the reload still ran")
	}
}
