package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Options configures every subcommand; each Run function reads the fields
// that concern it. DefaultOptions gives the command-line defaults.
type Options struct {
	// Addrs are the HTTP API base URLs (scheme://host:port). Clients are
	// spread over them round-robin.
	Addrs []string
	// DNSAddr is the DNS endpoint (UDP) of the dns subcommand.
	DNSAddr string
	// Token is sent as X-Consul-Token when set.
	Token string
	// Datacenter, when set, is sent as ?dc= on every HTTP request, so
	// the load crosses to another datacenter through the agent's.
	Datacenter string
	TLS        TLSConfig

	Clients  int           // concurrent clients (writers, readers)
	Duration time.Duration // stop after this long (0: no limit)
	Count    int64         // stop after this many ops (0: no limit)
	Timeout  time.Duration // per-request timeout

	// kv-put, kv-get, failover.
	ValueSize   int
	Keys        string // kv-put: "distinct" or "same"
	Prefix      string
	Consistency string // kv-get: "default", "stale" or "consistent"
	Keyspace    int    // kv-get: keys pre-populated and read randomly
	// WriteToken, when set, replaces Token for kv-get's untimed
	// pre-population writes, so the timed reads can use a read-only token.
	WriteToken string

	// watch.
	Watchers int
	Key      string        // watched KV key (when Service is empty)
	Service  string        // watched service name
	Health   bool          // watch /v1/health/service/S?passing instead of the catalog
	PID      int           // agent pid whose VmRSS is reported (0: none)
	Settle   time.Duration // pause after the last watcher's request was written
	Wait     time.Duration // the blocking queries' ?wait

	// register, health.
	Instances int

	// health.
	Others    int           // instances of other services in the catalog
	Blocking  bool          // measure watcher wake-ups instead of plain reads
	FlipEvery time.Duration // -blocking: interval between check flips

	// dns.
	Name  string // the name queried
	QType string // its type: A, SRV...
	EDNS  int    // EDNS0 buffer size sent (0: none)
	// Pipeline, when above 0, makes each dns client send that many
	// pre-packed queries at once and then read their answers, checking
	// only the header: a lean generator that leaves the agent more CPU.
	Pipeline int

	// failover.
	KillPID   int
	KillCmd   string
	KillAfter time.Duration
	// Kill, when set, replaces KillPID/KillCmd (tests fake the kill).
	Kill func(context.Context) error `json:"-"`
	// ReadbackTimeout bounds the retries of the final consistent read.
	ReadbackTimeout time.Duration

	// Progress receives the progress line (nil: none).
	Progress io.Writer `json:"-"`
	// HTTPClient, when set, is used instead of one built from TLS.
	HTTPClient *http.Client `json:"-"`
}

// DefaultOptions returns the command-line defaults.
func DefaultOptions() Options {
	return Options{
		Addrs:           []string{"http://127.0.0.1:8500"},
		DNSAddr:         "127.0.0.1:8600",
		Clients:         32,
		Duration:        10 * time.Second,
		Timeout:         15 * time.Second,
		ValueSize:       128,
		Keys:            "distinct",
		Prefix:          "bench/",
		Consistency:     "default",
		Keyspace:        1000,
		Watchers:        2000,
		Key:             "bench/watch",
		Settle:          500 * time.Millisecond,
		Wait:            60 * time.Second,
		Instances:       1,
		FlipEvery:       200 * time.Millisecond,
		KillAfter:       3 * time.Second,
		ReadbackTimeout: 30 * time.Second,
		QType:           "A",
	}
}

// validate checks the options shared by every load loop.
func (o *Options) validate() error {
	if len(o.Addrs) == 0 {
		return fmt.Errorf("no address given")
	}
	if o.Clients < 1 {
		return fmt.Errorf("-clients must be at least 1")
	}
	if o.Duration <= 0 && o.Count <= 0 {
		return fmt.Errorf("give a positive -duration or -count")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.ValueSize < 0 {
		return fmt.Errorf("-value-size must not be negative")
	}
	return nil
}

// limits describes -duration/-count for the report header.
func (o *Options) limits(r *Report) {
	r.param("clients", o.Clients)
	if o.Duration > 0 {
		r.param("duration", o.Duration)
	}
	if o.Count > 0 {
		r.param("count", o.Count)
	}
}
