package bench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
)

func kvGetFlags(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.Consistency, "consistency", o.Consistency, "default, stale or consistent")
	fs.IntVar(&o.Keyspace, "keyspace", o.Keyspace, "keys written first (not timed) and then read at random")
	fs.IntVar(&o.ValueSize, "value-size", o.ValueSize, "size of the pre-populated values in bytes")
	fs.StringVar(&o.Prefix, "prefix", o.Prefix, "key prefix (keys are PREFIXget/N)")
	fs.StringVar(&o.WriteToken, "write-token", o.WriteToken,
		"ACL token for the untimed pre-population writes (default: -token), so -token can be read-only")
}

// consistencyQuery maps -consistency to the query string.
func consistencyQuery(c string) (string, error) {
	switch c {
	case "default", "":
		return "", nil
	case "stale", "consistent":
		return c, nil
	}
	return "", fmt.Errorf("-consistency must be default, stale or consistent, not %q", c)
}

// RunKVGet writes o.Keyspace keys (untimed), then reads random ones with
// GET /v1/kv/KEY in the chosen consistency mode; 200 is success.
func RunKVGet(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	query, err := consistencyQuery(o.Consistency)
	if err != nil {
		return nil, err
	}
	if o.Keyspace < 1 {
		return nil, fmt.Errorf("-keyspace must be at least 1")
	}
	eps, err := o.endpoints(o.Clients)
	if err != nil {
		return nil, err
	}
	keyOf := func(i int) string { return fmt.Sprintf("%sget/%d", o.Prefix, i) }
	if err := populate(ctx, &o, eps, o.Keyspace, keyOf); err != nil {
		return nil, err
	}
	r := newReport("kv-get")
	o.limits(r)
	r.param("consistency", o.Consistency)
	r.param("keyspace", o.Keyspace)
	l := &loop{name: "kv-get", opts: &o, phases: []string{"get"}}
	res := l.run(ctx, eps, func(ctx context.Context, w *worker, _ int64) {
		key := keyOf(w.rng.IntN(o.Keyspace))
		w.timed(ctx, 0, func(ctx context.Context) error {
			resp, err := w.ep.do(ctx, http.MethodGet, kvPath(key), query, nil)
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

// populate writes n keys of o.ValueSize bytes with o.Clients writers. It
// gives up on the first failed write: reading a half-written keyspace
// would measure 404s.
func populate(ctx context.Context, o *Options, eps []*endpoint, n int, keyOf func(int) string) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for c := 0; c < min(o.Clients, n); c++ {
		ep := eps[c%len(eps)]
		if o.WriteToken != "" {
			w := *ep
			w.token = o.WriteToken
			ep = &w
		}
		value := bytes.Repeat([]byte("v"), o.ValueSize)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				rctx, rcancel := context.WithTimeout(ctx, o.Timeout)
				err := ep.putTrue(rctx, kvPath(keyOf(i)), "", value)
				rcancel()
				if err != nil {
					once.Do(func() { first = fmt.Errorf("pre-populating %s: %w", keyOf(i), err); cancel() })
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
