package watches

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/consul/api/watch"
	"github.com/hashicorp/go-hclog"

	"github.com/concord-dev/concord/agent/config"
)

// Config is where the watches find the agent.
type Config struct {
	// Address is the agent's HTTP address (host:port); Scheme is "http"
	// (the default) or "https".
	Address, Scheme string
	// TLSSkipVerify skips the certificate check on an https address (the
	// agent's own loopback connection).
	TLSSkipVerify bool
	// Token is used by a watch that sets none of its own.
	Token  string
	Logger hclog.Logger
}

// Runner owns the running plans. Replace and Close may be called from any
// goroutine; they are serialized.
type Runner struct {
	cfg Config

	mu    sync.Mutex // guards plans
	plans []*watch.Plan
	wg    sync.WaitGroup
}

// New returns a Runner with no watches running.
func New(cfg Config) *Runner {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Scheme == "" {
		cfg.Scheme = "http"
	}
	return &Runner{cfg: cfg}
}

// Replace stops the running watches and starts defs. Every definition is
// parsed before anything stops, so a bad set leaves the old one running.
func (r *Runner) Replace(defs []config.WatchDefinition) error {
	type started struct {
		plan   *watch.Plan
		client *api.Client
	}
	var next []started
	for i, def := range defs {
		plan, h, err := def.Plan()
		if err != nil {
			return fmt.Errorf("watches[%d]: %v", i, err)
		}
		client, err := r.client(plan.Token, plan.Datacenter)
		if err != nil {
			return err
		}
		if h.HTTP != nil {
			plan.HybridHandler = r.httpHandler(plan.Type, h.HTTP)
		} else {
			plan.HybridHandler = r.scriptHandler(plan.Type, h)
		}
		next = append(next, started{plan, client})
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
	for _, s := range next {
		r.plans = append(r.plans, s.plan)
		r.wg.Add(1)
		go func(s started) {
			defer r.wg.Done()
			if err := s.plan.RunWithClientAndHclog(s.client, r.cfg.Logger); err != nil {
				r.cfg.Logger.Error("watch stopped", "type", s.plan.Type, "error", err)
			}
		}(s)
	}
	if len(next) > 0 {
		r.cfg.Logger.Info("watches started", "count", len(next))
	}
	return nil
}

// Close stops every watch and waits for their loops (and any handler
// running) to end.
func (r *Runner) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
	return nil
}

func (r *Runner) stopLocked() {
	for _, p := range r.plans {
		p.Stop()
	}
	r.plans = nil
	r.wg.Wait()
}

func (r *Runner) client(token, dc string) (*api.Client, error) {
	cfg := api.DefaultNonPooledConfig()
	cfg.Address, cfg.Scheme = r.cfg.Address, r.cfg.Scheme
	cfg.Datacenter = dc
	cfg.Token = token
	if cfg.Token == "" {
		cfg.Token = r.cfg.Token
	}
	cfg.TLSConfig.InsecureSkipVerify = r.cfg.TLSSkipVerify
	return api.NewClient(cfg)
}

// encode is a result as its handler receives it.
func encode(data interface{}) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	err := enc.Encode(data)
	return buf.Bytes(), err
}

func indexOf(v watch.BlockingParamVal) (string, bool) {
	idx, ok := v.(watch.WaitIndexVal)
	return strconv.FormatUint(uint64(idx), 10), ok
}

// scriptHandler runs the handler's command with the result on stdin; its
// output goes to the agent's log.
func (r *Runner) scriptHandler(typ string, h config.Handler) watch.HybridHandlerFunc {
	logger := r.cfg.Logger.With("watch_type", typ, "handler", h.Args)
	return func(v watch.BlockingParamVal, data interface{}) {
		in, err := encode(data)
		if err != nil {
			logger.Error("cannot encode the watch result", "error", err)
			return
		}
		var cmd *exec.Cmd
		if h.Shell {
			cmd = exec.Command("/bin/sh", "-c", h.Args[0])
		} else {
			cmd = exec.Command(h.Args[0], h.Args[1:]...)
		}
		cmd.Env = os.Environ()
		if idx, ok := indexOf(v); ok {
			cmd.Env = append(cmd.Env, "CONSUL_INDEX="+idx)
		}
		cmd.Stdin = bytes.NewReader(in)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			logger.Error("watch handler failed", "error", err, "output", out.String())
			return
		}
		logger.Debug("watch handler ran", "output", out.String())
	}
}

// httpHandler sends the result to the configured endpoint.
func (r *Runner) httpHandler(typ string, hc *watch.HttpHandlerConfig) watch.HybridHandlerFunc {
	logger := r.cfg.Logger.With("watch_type", typ, "path", hc.Path)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: hc.TLSSkipVerify}
	client := &http.Client{Transport: transport, Timeout: hc.Timeout}
	return func(v watch.BlockingParamVal, data interface{}) {
		body, err := encode(data)
		if err != nil {
			logger.Error("cannot encode the watch result", "error", err)
			return
		}
		req, err := http.NewRequest(hc.Method, hc.Path, bytes.NewReader(body))
		if err != nil {
			logger.Error("bad watch handler request", "error", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		for k, vals := range hc.Header {
			for _, val := range vals {
				req.Header.Add(k, val)
			}
		}
		if idx, ok := indexOf(v); ok {
			req.Header.Set("X-Consul-Index", idx)
		}
		resp, err := client.Do(req)
		if err != nil {
			logger.Error("watch handler request failed", "error", err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			logger.Error("watch handler answered an error", "status", resp.Status)
		}
	}
}
