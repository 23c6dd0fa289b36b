package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// kvEntry is the part of a /v1/kv answer the read-back needs; Value is
// base64 in JSON, which encoding/json decodes into []byte.
type kvEntry struct {
	Key   string
	Value []byte
}

// maxLostSamples is how many lost keys a report names.
const maxLostSamples = 5

// readBack reads every writer's keys with one ?recurse&consistent GET of
// its prefix (PREFIX/cN/), which covers every key it wrote, and checks
// each acknowledged key's value. Each read is retried, rotating over the
// addresses, until it gets a definitive answer or o.ReadbackTimeout ends.
func readBack(ctx context.Context, o *Options, eps []*endpoint, prefix string, writers []failoverWriter, res *FailoverResult) error {
	ctx, cancel := context.WithTimeout(ctx, o.ReadbackTimeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for i := range writers {
		if len(writers[i].acked) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wprefix := fmt.Sprintf("%sc%d/", prefix, i)
			got, err := readPrefix(ctx, o, eps, i, wprefix)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", wprefix, err)
				}
				return
			}
			acked := make(map[string]bool, len(writers[i].acked))
			for _, seq := range writers[i].acked {
				key := fmt.Sprintf("%s%d", wprefix, seq)
				acked[key] = true
				v, ok := got[key]
				switch {
				case !ok:
					res.Missing++
					res.lose(key + " missing")
				case string(v) != failoverValue(i, seq):
					res.WrongValue++
					res.lose(fmt.Sprintf("%s = %q, want %q", key, v, failoverValue(i, seq)))
				}
			}
			for key := range got {
				if !acked[key] {
					res.UnackedPresent++
				}
			}
		}()
	}
	wg.Wait()
	res.Lost = res.Missing + res.WrongValue
	return firstErr
}

func (f *FailoverResult) lose(s string) {
	if len(f.LostSamples) < maxLostSamples {
		f.LostSamples = append(f.LostSamples, s)
	}
}

// readPrefix returns key -> value under prefix, read consistently. A 404
// (no key at all) is a definitive empty answer; errors and 5xx (no
// leader yet) are retried every 250 ms on the next address.
func readPrefix(ctx context.Context, o *Options, eps []*endpoint, start int, prefix string) (map[string][]byte, error) {
	var last error
	for attempt := 0; ; attempt++ {
		ep := eps[(start+attempt)%len(eps)]
		rctx, cancel := context.WithTimeout(ctx, o.Timeout)
		resp, err := ep.do(rctx, http.MethodGet, kvPath(prefix), "recurse&consistent", nil)
		cancel()
		switch {
		case err != nil:
			last = err
		case resp.status == http.StatusNotFound:
			return map[string][]byte{}, nil
		case resp.status != http.StatusOK:
			last = &statusError{resp.status, string(resp.body)}
		default:
			var entries []kvEntry
			if err := json.Unmarshal(resp.body, &entries); err != nil {
				return nil, fmt.Errorf("decoding: %w", err)
			}
			got := make(map[string][]byte, len(entries))
			for _, e := range entries {
				if strings.HasPrefix(e.Key, prefix) {
					got[e.Key] = e.Value
				}
			}
			return got, nil
		}
		sleepCtx(ctx, 250*time.Millisecond)
		if ctx.Err() != nil {
			if last == nil {
				last = ctx.Err()
			}
			return nil, errors.Join(errors.New("no definitive answer in time"), last)
		}
	}
}
