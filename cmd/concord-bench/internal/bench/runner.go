package bench

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// maxErrorSamples is how many distinct error messages a report keeps.
const maxErrorSamples = 5

// errorLog counts errors by message, keeping the first few distinct ones.
type errorLog struct {
	mu     sync.Mutex
	order  []string
	counts map[string]int64
}

func (l *errorLog) add(err error) {
	msg := err.Error()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int64{}
	}
	if _, ok := l.counts[msg]; !ok {
		if len(l.order) >= maxErrorSamples {
			return // counted in the total, not sampled
		}
		l.order = append(l.order, msg)
	}
	l.counts[msg]++
}

func (l *errorLog) samples() []ErrorSample {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ErrorSample
	for _, m := range l.order {
		out = append(out, ErrorSample{Message: m, Count: l.counts[m]})
	}
	return out
}

// loop runs op cycles from o.Clients workers until -duration passes,
// -count cycles were issued, or ctx ends. The end of -duration only stops
// new cycles: a cycle under way finishes (and counts), because cutting a
// write short leaves the server in an unknown state (it may still apply
// it after a clean-up went by). Cancelling ctx (Ctrl-C) aborts at once.
type loop struct {
	name   string
	opts   *Options
	phases []string
	ops    atomic.Int64 // completed requests, all phases
	errs   atomic.Int64
	issued atomic.Int64
	errlog errorLog
}

// worker is one client: its address, its RNG and its histograms.
type worker struct {
	id    int
	ep    *endpoint
	rng   *rand.Rand
	l     *loop
	hists []Histogram
	ops   []int64
	errs  []int64
	value []byte // this worker's payload, made once
}

// payload returns the worker's n-byte value, generated on first use.
func (w *worker) payload(n int) []byte {
	if len(w.value) != n {
		w.value = randomValue(w.rng, n)
	}
	return w.value
}

// timed runs one request, times it and records it under phase. An error
// caused by the run being aborted (ctx done) is not counted at all.
func (w *worker) timed(ctx context.Context, phase int, f func(context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, w.l.opts.Timeout)
	start := time.Now()
	err := f(rctx)
	lat := time.Since(start)
	cancel()
	if err != nil && ctx.Err() != nil {
		return err
	}
	w.record(phase, lat, err)
	return err
}

// record counts one request of phase that took lat and failed with err
// (nil: succeeded).
func (w *worker) record(phase int, lat time.Duration, err error) {
	w.hists[phase].Record(lat)
	w.ops[phase]++
	w.l.ops.Add(1)
	if err != nil {
		w.errs[phase]++
		w.l.errs.Add(1)
		w.l.errlog.add(err)
	}
}

// loopResult is the merged outcome of a loop.
type loopResult struct {
	elapsed time.Duration
	phases  []*Stats
	all     Histogram
	ops     int64
	errs    int64
	samples []ErrorSample
}

// run drives cycle from every worker and merges what they recorded.
func (l *loop) run(ctx context.Context, eps []*endpoint, cycle func(context.Context, *worker, int64)) *loopResult {
	o := l.opts
	issuing := ctx // new cycles start only while this lasts
	if o.Duration > 0 {
		var cancel context.CancelFunc
		issuing, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	p := startProgress(o.Progress, l.name, &l.ops, &l.errs)
	workers := make([]*worker, o.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &worker{
			id:    i,
			ep:    eps[i%len(eps)],
			rng:   rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(i))),
			l:     l,
			hists: make([]Histogram, len(l.phases)),
			ops:   make([]int64, len(l.phases)),
			errs:  make([]int64, len(l.phases)),
		}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := int64(0); issuing.Err() == nil; seq++ {
				if o.Count > 0 && l.issued.Add(1) > o.Count {
					return
				}
				cycle(ctx, w, seq)
			}
		}()
	}
	wg.Wait()
	res := &loopResult{elapsed: time.Since(start), samples: l.errlog.samples()}
	p.stop()
	for ph := range l.phases {
		var h Histogram
		s := &Stats{}
		for _, w := range workers {
			h.Merge(&w.hists[ph])
			s.Ops += w.ops[ph]
			s.Errors += w.errs[ph]
		}
		s.OpsPerSec = rate(s.Ops, res.elapsed)
		s.Latency = summarize(&h)
		res.all.Merge(&h)
		res.ops += s.Ops
		res.errs += s.Errors
		res.phases = append(res.phases, s)
	}
	return res
}

// fill copies the loop's totals into the report.
func (res *loopResult) fill(r *Report) {
	r.Ops = res.ops
	r.Errors = res.errs
	r.ErrorSamples = res.samples
	r.ElapsedSec = res.elapsed.Seconds()
	r.OpsPerSec = rate(res.ops, res.elapsed)
	r.Latency = summarize(&res.all)
}

// endpoints builds one endpoint per address over a client sized for conns.
func (o *Options) endpoints(conns int) ([]*endpoint, error) {
	hc, err := o.httpClient(conns)
	if err != nil {
		return nil, err
	}
	eps := make([]*endpoint, len(o.Addrs))
	for i, a := range o.Addrs {
		eps[i] = &endpoint{base: a, token: o.Token, dc: o.Datacenter, hc: hc}
	}
	return eps, nil
}

// randomValue returns n printable pseudo-random bytes.
func randomValue(rng *rand.Rand, n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return b
}
