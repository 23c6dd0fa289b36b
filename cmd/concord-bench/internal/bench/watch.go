package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func watchFlags(fs *flag.FlagSet, o *Options) {
	fs.IntVar(&o.Watchers, "watchers", o.Watchers, "blocking queries parked at once (one connection each)")
	fs.StringVar(&o.Key, "key", o.Key, "KV key to watch (GET /v1/kv/KEY)")
	fs.StringVar(&o.Service, "service", o.Service, "watch GET /v1/catalog/service/S instead of a key")
	fs.BoolVar(&o.Health, "health", o.Health, "with -service: watch GET /v1/health/service/S?passing")
	fs.IntVar(&o.PID, "pid", o.PID, "agent pid: report its VmRSS before and while the watchers are parked")
	fs.DurationVar(&o.Settle, "settle", o.Settle, "pause after the last watcher's request was written, before the write")
	fs.DurationVar(&o.Wait, "wait", o.Wait, "the blocking queries' ?wait")
}

// WatchResult is the fan-out measurement of one write to N watchers.
type WatchResult struct {
	Watchers   int     `json:"watchers"`
	Target     string  `json:"target"`
	StartIndex uint64  `json:"start_index"`
	NewIndex   uint64  `json:"new_index"`
	Parked     int     `json:"parked"`
	ParkSec    float64 `json:"park_s"`
	Early      int     `json:"early"`
	BeforeAck  int     `json:"before_ack"`
	Spurious   int64   `json:"spurious"`
	WriteMS    float64 `json:"write_ms"`
	// FromAck and FromSend: time until 50%, 99% and 100% of ALL watchers
	// had returned with a new index (-1: that many never did).
	FromAck            Fanout `json:"from_ack_ms"`
	FromSend           Fanout `json:"from_send_ms"`
	RSSBeforeBytes     int64  `json:"rss_before_bytes,omitempty"`
	RSSParkedBytes     int64  `json:"rss_parked_bytes,omitempty"`
	RSSPerWatcherBytes int64  `json:"rss_per_watcher_bytes,omitempty"`
}

// Fanout holds milliseconds until a share of the watchers returned.
type Fanout struct {
	// First is the first watcher's return: what the fan-out waits for
	// before any answer is written (the replica applying the write).
	First float64 `json:"first"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P100  float64 `json:"p100"`
}

func (f Fanout) String() string {
	return fmt.Sprintf("first %s  50%% %s  99%% %s  100%% %s", fmtMS(f.First), fmtMS(f.P50), fmtMS(f.P99), fmtMS(f.P100))
}

// fanout reads the share quantiles over n watchers from the sorted times
// of those that returned.
func fanout(sorted []time.Duration, n int) Fanout {
	at := func(q float64) float64 {
		rank := nearestRank(q, n)
		if rank > len(sorted) {
			return -1
		}
		return ms(sorted[rank-1])
	}
	first := -1.0
	if len(sorted) > 0 {
		first = ms(sorted[0])
	}
	return Fanout{First: first, P50: at(0.5), P99: at(0.99), P100: at(1)}
}

func (w *WatchResult) rows() []row {
	rs := []row{
		{"target", w.Target},
		{"index", fmt.Sprintf("%d -> %d", w.StartIndex, w.NewIndex)},
		{"parked", fmt.Sprintf("%d of %d (all written after %.2fs)", w.Parked, w.Watchers, w.ParkSec)},
		{"write", fmtMS(w.WriteMS)},
		{"from ack", w.FromAck.String()},
		{"from send", w.FromSend.String()},
	}
	if w.BeforeAck > 0 {
		rs = append(rs, row{"before ack", fmt.Sprintf("%d watchers returned before the write's ack reached us (counted as 0)", w.BeforeAck)})
	}
	if w.Early > 0 || w.Spurious > 0 {
		rs = append(rs, row{"early", fmt.Sprintf("%d returned before the write, %d spurious returns re-issued", w.Early, w.Spurious)})
	}
	if w.RSSParkedBytes > 0 {
		rs = append(rs,
			row{"rss before", fmtBytes(w.RSSBeforeBytes)},
			row{"rss parked", fmtBytes(w.RSSParkedBytes)},
			row{"rss/watcher", fmtBytes(w.RSSPerWatcherBytes)})
	}
	return rs
}

// watchTarget is the path and query of the watched resource.
func (o *Options) watchTarget() (path, query string) {
	switch {
	case o.Service != "" && o.Health:
		return "/v1/health/service/" + url.PathEscape(o.Service), "passing"
	case o.Service != "":
		return "/v1/catalog/service/" + url.PathEscape(o.Service), ""
	default:
		return kvPath(o.Key), ""
	}
}

// consulIndex parses X-Consul-Index.
func consulIndex(h http.Header) (uint64, error) {
	v := h.Get("X-Consul-Index")
	if v == "" {
		return 0, fmt.Errorf("answer has no X-Consul-Index")
	}
	i, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad X-Consul-Index %q", v)
	}
	return i, nil
}

// watchWrite performs the one write the watchers wait for and returns a
// cleanup for it.
func watchWrite(ctx context.Context, o *Options, ep *endpoint) (func(), error) {
	if o.Service == "" {
		return func() {}, ep.putTrue(ctx, kvPath(o.Key), "", fmt.Appendf(nil, "watch-%d", time.Now().UnixNano()))
	}
	id := fmt.Sprintf("bench-watch-%d", time.Now().UnixNano())
	reg := catalogRegistration{Node: "bench-watch-node", Address: "127.0.0.1",
		Service: &catalogService{ID: id, Service: o.Service, Port: 20000}}
	if o.Health {
		reg.Check = &catalogCheck{CheckID: "bench-watch:" + id, Name: "bench watch", Status: "passing", ServiceID: id}
	}
	body, _ := json.Marshal(reg)
	undo, _ := json.Marshal(catalogDeregistration{Node: "bench-watch-node", ServiceID: id})
	return func() { cleanup(o, ep, "/v1/catalog/deregister", undo) }, ep.putTrue(ctx, "/v1/catalog/register", "", body)
}

// watchState is shared by the watcher goroutines.
type watchState struct {
	n          int
	returned   []time.Time // per watcher; zero: did not return
	started    atomic.Int64
	finished   atomic.Int64 // returned or failed
	failed     atomic.Int64
	spurious   atomic.Int64
	allWritten chan struct{}
	allDone    chan struct{}
	mu         sync.Mutex
	maxIndex   uint64
	errlog     errorLog
}

func newWatchState(n int) *watchState {
	return &watchState{n: n, returned: make([]time.Time, n),
		allWritten: make(chan struct{}), allDone: make(chan struct{})}
}

func (st *watchState) markStarted() {
	if st.started.Add(1) == int64(st.n) {
		close(st.allWritten)
	}
}

func (st *watchState) finish(err error) {
	if err != nil {
		st.failed.Add(1)
		st.errlog.add(err)
	}
	if st.finished.Add(1) == int64(st.n) {
		close(st.allDone)
	}
}
