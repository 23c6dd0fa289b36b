package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// startConcurrency bounds watchers whose request is not yet written, so
// that N watchers do not flood the agent's accept queue with N SYNs.
const startConcurrency = 128

// RunWatch measures the fan-out of one write to o.Watchers blocking
// queries. It learns the current index with a plain GET, starts every
// watcher (its own goroutine and connection) with ?index=I&wait=W, and
// counts a watcher as parked once its request is fully written
// (httptrace WroteRequest); after the last one it sleeps o.Settle (500
// ms) so the agent has read and parked them all, since the agent does not
// report parked queries. Then it does ONE write and times, from the
// write's send and from its acknowledgement, until 50%, 99% and 100% of
// the watchers returned with a new X-Consul-Index. A watcher answered
// without a new index (wait expired, spurious wake-up) re-issues its
// query. With o.PID it reads the agent's VmRSS before and while parked.
// -clients, -duration and -count do not apply.
func RunWatch(ctx context.Context, o Options) (*Report, error) {
	n := o.Watchers
	if n < 1 {
		return nil, fmt.Errorf("-watchers must be at least 1")
	}
	if o.Wait <= 0 {
		o.Wait = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if err := raiseNoFile(uint64(n) + 256); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	eps, err := o.endpoints(n + 16)
	if err != nil {
		return nil, err
	}
	path, query := o.watchTarget()
	res := &WatchResult{Watchers: n, Target: path}
	if query != "" {
		res.Target += "?" + query
	}
	r := newReport("watch")
	r.param("watchers", n)
	r.param("target", res.Target)
	r.Watch = res

	first, err := plainGet(ctx, &o, eps[0], path, query)
	if err != nil {
		return nil, fmt.Errorf("learning the index: %w", err)
	}
	res.StartIndex = first
	if o.PID > 0 {
		if res.RSSBeforeBytes, err = readRSS(o.PID); err != nil {
			return nil, err
		}
	}

	st := newWatchState(n)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	p := startProgress(o.Progress, "watch", &st.finished, &st.failed)
	defer p.stop()
	sem := make(chan struct{}, startConcurrency)
	start := time.Now()
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			cancel()
			wg.Wait()
			return nil, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.watch(wctx, i, eps[i%len(eps)], path, query, first, o.Wait, sem)
		}()
	}
	stopAll := func() { cancel(); wg.Wait() }
	select {
	case <-st.allWritten:
	case <-time.After(time.Minute):
		stopAll()
		return nil, fmt.Errorf("only %d of %d watchers got their request out within 1m", st.started.Load(), n)
	case <-ctx.Done():
		stopAll()
		return nil, ctx.Err()
	}
	res.ParkSec = time.Since(start).Seconds()
	select {
	case <-time.After(o.Settle):
	case <-ctx.Done():
		stopAll()
		return nil, ctx.Err()
	}
	if o.PID > 0 {
		if res.RSSParkedBytes, err = readRSS(o.PID); err != nil {
			stopAll()
			return nil, err
		}
		res.RSSPerWatcherBytes = (res.RSSParkedBytes - res.RSSBeforeBytes) / int64(n)
	}
	res.Parked = n - int(st.finished.Load())

	wrctx, wrcancel := context.WithTimeout(ctx, o.Timeout)
	sent := time.Now()
	undo, err := watchWrite(wrctx, &o, eps[0])
	acked := time.Now()
	wrcancel()
	defer undo()
	if err != nil {
		stopAll()
		return nil, fmt.Errorf("the watched write failed: %w", err)
	}
	res.WriteMS = ms(acked.Sub(sent))
	select {
	case <-st.allDone:
	case <-time.After(o.Wait + 15*time.Second):
	case <-ctx.Done():
	}
	stopAll()
	end := time.Now()

	var fromAck, fromSend []time.Duration
	var h Histogram
	var last time.Time
	for _, t := range st.returned {
		switch {
		case t.IsZero():
		case t.Before(sent):
			res.Early++
		default:
			fromSend = append(fromSend, t.Sub(sent))
			d := t.Sub(acked)
			if d < 0 { // notified before the ack reached us
				res.BeforeAck++
				d = 0
			}
			fromAck = append(fromAck, d)
			h.Record(d)
			if t.After(last) {
				last = t
			}
		}
	}
	res.FromAck = fanout(sortDurations(fromAck), n)
	res.FromSend = fanout(sortDurations(fromSend), n)
	res.NewIndex = st.maxIndex
	res.Spurious = st.spurious.Load()
	r.Ops = int64(len(fromAck))
	r.Errors = int64(n) - r.Ops - int64(res.Early)
	r.ErrorSamples = st.errlog.samples()
	if missing := int64(n) - st.finished.Load(); missing > 0 {
		r.ErrorSamples = append(r.ErrorSamples, ErrorSample{
			Message: fmt.Sprintf("not notified within %s of the write", o.Wait+15*time.Second), Count: missing})
	}
	r.ElapsedSec = end.Sub(start).Seconds()
	if !last.IsZero() {
		r.OpsPerSec = rate(r.Ops, last.Sub(sent))
	}
	r.Latency = summarize(&h)
	r.note("latency = time from the write's ack until each watcher returned; ops/s = watchers notified / (last return - send)")
	if res.Early > 0 {
		r.note("%d watchers returned before the write: someone else wrote to the target", res.Early)
	}
	return r, nil
}

// plainGet reads the target once and returns its X-Consul-Index (a
// missing KV key answers 404 with an index, which is fine).
func plainGet(ctx context.Context, o *Options, ep *endpoint, path, query string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	resp, err := ep.do(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusOK && resp.status != http.StatusNotFound {
		return 0, &statusError{resp.status, string(resp.body)}
	}
	return consulIndex(resp.header)
}

// watch is one watcher: a blocking GET re-issued until it returns with an
// index above idx. It releases its start slot once its request is out.
func (st *watchState) watch(ctx context.Context, i int, ep *endpoint, path, query string,
	idx uint64, wait time.Duration, sem chan struct{}) {
	var once sync.Once
	started := func() { once.Do(func() { <-sem; st.markStarted() }) }
	defer started()
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { started() }}
	tctx := httptrace.WithClientTrace(ctx, trace)
	q := fmt.Sprintf("index=%d&wait=%s", idx, waitParam(wait))
	if query != "" {
		q = query + "&" + q
	}
	for {
		resp, err := ep.do(tctx, http.MethodGet, path, q, nil)
		now := time.Now()
		if ctx.Err() != nil {
			return // stopped: counted as not notified
		}
		if err == nil && resp.status != http.StatusOK && resp.status != http.StatusNotFound {
			err = &statusError{resp.status, string(resp.body)}
		}
		var got uint64
		if err == nil {
			got, err = consulIndex(resp.header)
		}
		if err != nil {
			started()
			st.finish(err)
			return
		}
		if got > idx {
			st.mu.Lock()
			st.returned[i] = now
			st.maxIndex = max(st.maxIndex, got)
			st.mu.Unlock()
			st.finish(nil)
			return
		}
		st.spurious.Add(1)
	}
}

// waitParam formats ?wait as Consul's docs do ("60s"), falling back to
// Go's duration syntax, which Consul also parses.
func waitParam(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
