package bench

import (
	"context"
	"flag"
	"fmt"
)

func kvPutFlags(fs *flag.FlagSet, o *Options) {
	fs.IntVar(&o.ValueSize, "value-size", o.ValueSize, "value size in bytes")
	fs.StringVar(&o.Keys, "keys", o.Keys, "distinct (PREFIX/clientN/SEQ) or same (one key, PREFIX/same)")
	fs.StringVar(&o.Prefix, "prefix", o.Prefix, "key prefix")
}

// RunKVPut writes values with PUT /v1/kv/KEY from o.Clients clients; a
// write succeeds on 200 with body `true`.
func RunKVPut(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.Keys != "distinct" && o.Keys != "same" {
		return nil, fmt.Errorf("-keys must be distinct or same, not %q", o.Keys)
	}
	eps, err := o.endpoints(o.Clients)
	if err != nil {
		return nil, err
	}
	r := newReport("kv-put")
	o.limits(r)
	r.param("value-size", o.ValueSize)
	r.param("keys", o.Keys)
	l := &loop{name: "kv-put", opts: &o, phases: []string{"put"}}
	res := l.run(ctx, eps, func(ctx context.Context, w *worker, seq int64) {
		key := o.Prefix + "same"
		if o.Keys == "distinct" {
			key = fmt.Sprintf("%sclient%d/%d", o.Prefix, w.id, seq)
		}
		value := w.payload(o.ValueSize)
		w.timed(ctx, 0, func(ctx context.Context) error {
			return w.ep.putTrue(ctx, kvPath(key), "", value)
		})
	})
	res.fill(r)
	return r, nil
}
