package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

func healthFlags(fs *flag.FlagSet, o *Options) {
	o.Instances = 200
	o.Service = "bench-health"
	fs.IntVar(&o.Instances, "instances", o.Instances, "instances of the read service, one node each (registered first, untimed)")
	fs.IntVar(&o.Others, "others", o.Others, "instances of 100 other services, one node each, registered too: the catalog's size")
	fs.StringVar(&o.Service, "service", o.Service, "the service read")
	fs.BoolVar(&o.Blocking, "blocking", o.Blocking,
		"park -clients blocking queries on the service while one check of it flips every -flip-every;\n"+
			"report how long after each flip was sent the watchers returned")
	fs.DurationVar(&o.FlipEvery, "flip-every", o.FlipEvery, "with -blocking: the interval between check flips")
	fs.DurationVar(&o.Wait, "wait", o.Wait, "with -blocking: the blocking queries' ?wait")
}

// healthRegistration is a catalog registration with a node check and a
// service check, as an agent's node has (serfHealth and its own check).
type healthRegistration struct {
	Node    string
	Address string
	Service *catalogService
	Checks  []*catalogCheck
}

func healthNode(prefix string, i int) (name, addr string) {
	return fmt.Sprintf("%s-node-%d", prefix, i), fmt.Sprintf("127.0.%d.%d", 1+i/254%254, 1+i%254)
}

func healthReg(prefix, service string, i int, status string) *healthRegistration {
	node, addr := healthNode(prefix, i)
	id := fmt.Sprintf("%s-%d", service, i)
	return &healthRegistration{
		Node:    node,
		Address: addr,
		Service: &catalogService{ID: id, Service: service, Port: 8000 + i%1000},
		Checks: []*catalogCheck{
			{CheckID: "node-alive", Name: "node alive", Status: "passing"},
			{CheckID: id + "-check", Name: id + " check", Status: status, ServiceID: id},
		},
	}
}

// RunHealth registers o.Instances instances of o.Service and o.Others
// instances of other services (untimed), then measures
// GET /v1/health/service/S?passing: non-blocking reads from o.Clients
// clients, or with o.Blocking the wake-up of o.Clients parked watchers
// when one of the service's checks flips.
func RunHealth(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.Instances < 2 || o.Others < 0 || o.Service == "" {
		return nil, fmt.Errorf("-instances must be at least 2, -others not negative, -service set")
	}
	if o.Blocking && (o.FlipEvery <= 0 || o.Duration <= 0) {
		return nil, fmt.Errorf("-blocking needs a positive -flip-every and -duration")
	}
	eps, err := o.endpoints(o.Clients + 1)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	regs := func(i int) *healthRegistration {
		if i < o.Instances {
			return healthReg("bench-health", o.Service, i, "passing")
		}
		j := i - o.Instances
		return healthReg("bench-other", fmt.Sprintf("bench-other-%d", j%100), j, "passing")
	}
	if err := registerAll(ctx, &o, eps, o.Instances+o.Others, regs); err != nil {
		return nil, err
	}
	setup := time.Since(start)

	path := "/v1/health/service/" + url.PathEscape(o.Service)
	n, idx, err := countPassing(ctx, &o, eps[0], path)
	if err != nil {
		return nil, err
	}
	if n != o.Instances {
		return nil, fmt.Errorf("%s?passing lists %d instances after registering %d", path, n, o.Instances)
	}

	r := newReport("health")
	o.limits(r)
	r.param("instances", o.Instances)
	r.param("others", o.Others)
	r.param("blocking", o.Blocking)
	r.note("registered %d instances in %.1fs (untimed)", o.Instances+o.Others, setup.Seconds())
	if !o.Blocking {
		l := &loop{name: "health", opts: &o, phases: []string{"read"}}
		res := l.run(ctx, eps, func(ctx context.Context, w *worker, _ int64) {
			w.timed(ctx, 0, func(ctx context.Context) error {
				resp, err := w.ep.do(ctx, http.MethodGet, path, "passing", nil)
				if err != nil {
					return err
				}
				if resp.status != http.StatusOK {
					return &statusError{resp.status, string(resp.body)}
				}
				return nil
			})
		})
		res.fill(r)
		return r, nil
	}
	r.param("flip-every", o.FlipEvery)
	runHealthBlocking(ctx, &o, eps, path, idx, r)
	return r, nil
}

// registerAll registers n instances with o.Clients writers, giving up on
// the first failure.
func registerAll(ctx context.Context, o *Options, eps []*endpoint, n int, reg func(int) *healthRegistration) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for c := 0; c < min(o.Clients, n); c++ {
		ep := eps[c%len(eps)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				body, _ := json.Marshal(reg(i))
				rctx, rcancel := context.WithTimeout(ctx, o.Timeout)
				err := ep.putTrue(rctx, "/v1/catalog/register", "", body)
				rcancel()
				if err != nil {
					once.Do(func() { first = fmt.Errorf("registering instance %d: %w", i, err); cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// countPassing reads the service's passing instances once and returns how
// many there are and the index.
func countPassing(ctx context.Context, o *Options, ep *endpoint, path string) (int, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	resp, err := ep.do(ctx, http.MethodGet, path, "passing", nil)
	if err != nil {
		return 0, 0, err
	}
	if resp.status != http.StatusOK {
		return 0, 0, &statusError{resp.status, string(resp.body)}
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(resp.body, &entries); err != nil {
		return 0, 0, fmt.Errorf("decoding %s: %w", path, err)
	}
	idx, err := consulIndex(resp.header)
	return len(entries), idx, err
}

// runHealthBlocking parks o.Clients watchers on path?passing and flips
// the check of instance 0 between passing and critical every o.FlipEvery
// for o.Duration. Each watcher return with a higher index is one op, timed
// from when the latest flip was sent; returns without a new index are
// counted as spurious.
func runHealthBlocking(ctx context.Context, o *Options, eps []*endpoint, path string, idx uint64, r *Report) {
	var lastSend atomic.Int64 // unix nanos of the latest flip's send
	var spurious atomic.Int64
	var mu sync.Mutex
	var hist Histogram
	var ops, errs int64
	errlog := &errorLog{}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for c := 0; c < o.Clients; c++ {
		ep := eps[c%len(eps)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := idx
			for runCtx.Err() == nil {
				q := fmt.Sprintf("passing&index=%d&wait=%s", last, waitParam(o.Wait))
				resp, err := ep.do(runCtx, http.MethodGet, path, q, nil)
				now := time.Now()
				if runCtx.Err() != nil {
					return
				}
				if err == nil && resp.status != http.StatusOK {
					err = &statusError{resp.status, string(resp.body)}
				}
				var got uint64
				if err == nil {
					got, err = consulIndex(resp.header)
				}
				if err != nil {
					errlog.add(err)
					mu.Lock()
					errs++
					mu.Unlock()
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if got <= last {
					spurious.Add(1)
					continue
				}
				last = got
				lat := now.Sub(time.Unix(0, lastSend.Load()))
				mu.Lock()
				hist.Record(lat)
				ops++
				mu.Unlock()
			}
		}()
	}

	// Let the watchers park before the first flip.
	time.Sleep(min(o.FlipEvery, 500*time.Millisecond))
	flips, flipErrs := 0, 0
	begin := time.Now()
	tick := time.NewTicker(o.FlipEvery)
	writer := eps[len(eps)-1]
	for time.Since(begin) < o.Duration && ctx.Err() == nil {
		status := "critical"
		if flips%2 == 1 {
			status = "passing"
		}
		body, _ := json.Marshal(healthReg("bench-health", o.Service, 0, status))
		lastSend.Store(time.Now().UnixNano())
		wctx, wcancel := context.WithTimeout(ctx, o.Timeout)
		if err := writer.putTrue(wctx, "/v1/catalog/register", "", body); err != nil {
			flipErrs++
			errlog.add(err)
		}
		wcancel()
		flips++
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	tick.Stop()
	// Give the last flip's watchers time to return.
	time.Sleep(min(o.FlipEvery, time.Second))
	elapsed := time.Since(begin)
	stop()
	wg.Wait()

	if flips%2 == 1 {
		// Leave the service as it was found: all passing.
		body, _ := json.Marshal(healthReg("bench-health", o.Service, 0, "passing"))
		wctx, wcancel := context.WithTimeout(ctx, o.Timeout)
		_ = writer.putTrue(wctx, "/v1/catalog/register", "", body)
		wcancel()
	}
	r.Ops = ops
	r.Errors = errs + int64(flipErrs)
	r.ErrorSamples = errlog.samples()
	r.ElapsedSec = elapsed.Seconds()
	r.OpsPerSec = rate(ops, elapsed)
	r.Latency = summarize(&hist)
	r.note("%d flips; %d watcher returns (ops), latency from each flip's send; %d returned without a new index",
		flips, ops, spurious.Load())
	if want := int64(flips) * int64(o.Clients); ops < want {
		r.note("%d of %d expected wake-ups missed (a watcher re-parking after a flip can see two flips as one)", want-ops, want)
	}
}
