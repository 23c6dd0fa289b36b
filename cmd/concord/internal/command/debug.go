package command

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
)

// Capture targets of concord debug.
var debugTargets = []string{"agent", "members", "metrics", "logs", "pprof"}

func debugSpec() spec {
	return spec{
		synopsis: "Records a debugging archive for operators",
		usage: `
Usage: concord debug [options]

  Monitors a concord agent for the given duration and records what an
  operator (or whoever they send it to) needs to understand it, in a
  .tar.gz archive:

    index.json          what was captured, when, and what could not be
    agent.json          /v1/agent/self, with tokens, keys and encrypt hidden
    members.json        the LAN members as the agent sees them
    <time>/metrics.json and metrics.prom, every -interval
    <time>/goroutine.prof and heap.prof, every -interval (pprof)
    profile.prof        a CPU profile over the whole -duration (pprof)
    concord.log         the agent's log at debug level over -duration

  Profiles need enable_debug on the agent and a token with operator:read;
  the rest needs agent:read. Progress is reported on stderr.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			o := debugOptions{captures: map[string]bool{}}
			fs.DurationVar(&o.duration, "duration", 2*time.Minute, "How long to capture for.")
			fs.DurationVar(&o.interval, "interval", 30*time.Second, "How often to capture metrics and profiles during -duration.")
			fs.StringVar(&o.output, "output", "", "The archive to write, without .tar.gz (default concord-debug-<unix time>).")
			fs.Func("capture", "A target to capture, repeatable: "+strings.Join(debugTargets, ", ")+" (default all).", func(v string) error {
				for _, t := range debugTargets {
					if v == t {
						o.captures[v] = true
						return nil
					}
				}
				return fmt.Errorf("unknown target %q (one of %s)", v, strings.Join(debugTargets, ", "))
			})
			h := clientFlags(fs)
			return func([]string) int { return c.debug(h, &o) }
		},
	}
}

type debugOptions struct {
	duration, interval time.Duration
	output             string
	captures           map[string]bool
}

// debugIndex is index.json: what the archive holds.
type debugIndex struct {
	Version     string
	AgentName   string
	AgentVer    string
	Started     time.Time
	Finished    time.Time
	Duration    string
	Interval    string
	Targets     []string
	NotCaptured map[string]string `json:",omitempty"`
}

func (c *cli) debug(h *httpFlags, o *debugOptions) int {
	if o.interval < time.Second || o.duration < o.interval {
		c.errorf("Error: -interval must be at least 1s and -duration at least -interval (got %s and %s)", o.interval, o.duration)
		return 1
	}
	if len(o.captures) == 0 {
		for _, t := range debugTargets {
			o.captures[t] = true
		}
	}
	if o.output == "" {
		o.output = fmt.Sprintf("concord-debug-%d", time.Now().Unix())
	}
	path := o.output + ".tar.gz"
	if _, err := os.Stat(path); err == nil {
		c.errorf("Error: %s already exists", path)
		return 1
	}
	cfg, err := h.config(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	progress := func(format string, a ...interface{}) { fmt.Fprintf(c.env.Stderr, format+"\n", a...) }

	// The agent's self answer proves the address and the token work
	// before anything long starts.
	self, err := client.Agent().Self()
	if err != nil {
		c.errorf("Error querying the agent: %s", err)
		return 1
	}
	arch := newDebugArchive()
	idx := debugIndex{Version: c.env.Version, Started: time.Now().UTC(), Duration: o.duration.String(),
		Interval: o.interval.String(), NotCaptured: map[string]string{}}
	for _, t := range debugTargets {
		if o.captures[t] {
			idx.Targets = append(idx.Targets, t)
		}
	}
	if conf, ok := self["Config"]; ok {
		idx.AgentName, _ = conf["NodeName"].(string)
		idx.AgentVer, _ = conf["Version"].(string)
	}
	progress("==> Starting debugger and capturing static information...")
	progress("     Agent: %s (version %s)", idx.AgentName, idx.AgentVer)
	progress("  Capturing: %s, for %s every %s", strings.Join(idx.Targets, ", "), o.duration, o.interval)
	if o.captures["agent"] {
		var generic interface{}
		raw, _ := json.Marshal(self)
		json.Unmarshal(raw, &generic)
		if err := arch.addJSON("agent.json", redact(generic)); err != nil {
			c.errorf("Error: %s", err)
			return 1
		}
	}
	if o.captures["members"] {
		members, err := client.Agent().Members(false)
		if err != nil {
			idx.NotCaptured["members"] = err.Error()
			progress("  members: not captured: %s", err)
		} else if err := arch.addJSON("members.json", members); err != nil {
			c.errorf("Error: %s", err)
			return 1
		}
	}

	timed, cancelTimed := context.WithTimeout(context.Background(), o.duration)
	defer cancelTimed()
	ctx, stop := interruptible(timed, func() { progress("==> Interrupted: writing what was captured so far") })
	defer stop()

	d := &debugRun{client: client, cfg: cfg, arch: arch, idx: &idx, progress: progress}
	var wg sync.WaitGroup
	if o.captures["logs"] {
		wg.Add(1)
		go func() { defer wg.Done(); d.captureLogs(ctx) }()
	}
	if o.captures["pprof"] {
		wg.Add(1)
		go func() { defer wg.Done(); d.captureCPUProfile(ctx, o.duration) }()
	}
	d.captureIntervals(ctx, o)
	wg.Wait()

	idx.Finished = time.Now().UTC()
	if len(idx.NotCaptured) == 0 {
		idx.NotCaptured = nil
	}
	if err := arch.addJSON("index.json", idx); err != nil {
		c.errorf("Error: %s", err)
		return 1
	}
	if err := arch.write(path); err != nil {
		c.errorf("Error writing %s: %s", path, err)
		return 1
	}
	progress("==> Capture successful: %s", path)
	c.out(path)
	return 0
}

// debugRun is one capture in progress.
type debugRun struct {
	client   *api.Client
	cfg      *api.Config
	arch     *debugArchive
	progress func(string, ...interface{})

	mu  sync.Mutex
	idx *debugIndex
}

// skip records that target could not be captured, once, and says so.
func (d *debugRun) skip(target string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, done := d.idx.NotCaptured[target]; done {
		return
	}
	msg := err.Error()
	if target == "pprof" && strings.Contains(msg, "404") {
		msg = "enable_debug is off on the agent, so it serves no profiles (/debug/pprof answered 404)"
	} else if strings.Contains(msg, "403") {
		msg += " (the token lacks the ACL rights for it)"
	}
	d.idx.NotCaptured[target] = msg
	d.progress("  %s: not captured: %s", target, msg)
}

// captureIntervals takes metrics and the goroutine and heap profiles at
// once and then every interval until ctx ends.
func (d *debugRun) captureIntervals(ctx context.Context, o *debugOptions) {
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	for n := 0; n < 1_000_000; n++ {
		at := time.Now().UTC()
		dir := at.Format("2006-01-02T15-04-05Z")
		d.progress("==> Capture interval %d at %s", n, at.Format(time.RFC3339))
		if o.captures["metrics"] {
			if m, err := d.client.Agent().Metrics(); err != nil {
				d.skip("metrics", err)
			} else {
				d.arch.addJSON(dir+"/metrics.json", m)
				if prom, err := d.get(ctx, "/v1/agent/metrics?format=prometheus"); err != nil {
					d.skip("metrics", err)
				} else {
					d.arch.add(dir+"/metrics.prom", prom)
				}
			}
		}
		if o.captures["pprof"] {
			if b, err := d.client.Debug().Goroutine(); err != nil {
				d.skip("pprof", err)
			} else {
				d.arch.add(dir+"/goroutine.prof", b)
				if b, err := d.client.Debug().Heap(); err == nil {
					d.arch.add(dir+"/heap.prof", b)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// captureCPUProfile asks for one CPU profile spanning the capture.
func (d *debugRun) captureCPUProfile(ctx context.Context, duration time.Duration) {
	seconds := int(duration / time.Second)
	body, err := d.client.Debug().PProf(ctx, "profile", max(seconds-1, 1))
	if err != nil {
		d.skip("pprof", err)
		return
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		d.skip("pprof", fmt.Errorf("reading the CPU profile: %w", err))
		return
	}
	d.arch.add("profile.prof", b)
}

// captureLogs keeps the agent's debug-level log for the whole capture.
func (d *debugRun) captureLogs(ctx context.Context) {
	var mu sync.Mutex
	var buf strings.Builder
	const limit = 64 << 20
	_, err := streamLog(ctx, d.client, "debug", false, func(line string) {
		mu.Lock()
		defer mu.Unlock()
		if buf.Len() < limit {
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
	})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		d.skip("logs", err)
		return
	}
	mu.Lock()
	defer mu.Unlock()
	d.arch.add("concord.log", []byte(buf.String()))
}

// get reads an endpoint the Consul client has no method for.
func (d *debugRun) get(ctx context.Context, path string) ([]byte, error) {
	host := d.cfg.Address
	if strings.HasPrefix(host, "/") {
		// A unix socket: the client's transport dials it whatever the
		// URL's host says.
		host = "localhost"
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, d.cfg.Scheme+"://"+host+path, nil)
	if err != nil {
		return nil, err
	}
	if d.cfg.Token != "" {
		req.Header.Set("X-Consul-Token", d.cfg.Token)
	}
	if d.cfg.HttpAuth != nil {
		req.SetBasicAuth(d.cfg.HttpAuth.Username, d.cfg.HttpAuth.Password)
	}
	resp, err := d.cfg.HttpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("Unexpected response code: %d (%s)", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}
