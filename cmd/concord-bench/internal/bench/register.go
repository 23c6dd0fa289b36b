package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
)

func registerFlags(fs *flag.FlagSet, o *Options) {
	fs.IntVar(&o.Instances, "instances", o.Instances,
		"service instances registered (then deregistered) per op cycle; -count counts cycles")
}

// catalogRegistration is the body of PUT /v1/catalog/register.
type catalogRegistration struct {
	Node    string
	Address string
	Service *catalogService `json:",omitempty"`
	Check   *catalogCheck   `json:",omitempty"`
}

type catalogService struct {
	ID      string
	Service string
	Port    int
}

type catalogCheck struct {
	CheckID   string
	Name      string
	Status    string
	ServiceID string
}

// catalogDeregistration is the body of PUT /v1/catalog/deregister.
type catalogDeregistration struct {
	Node      string
	ServiceID string
}

// benchNode names client k's node and gives it an address 127.0.0.x.
func benchNode(k int) (name, addr string) {
	return fmt.Sprintf("bench-node-%d", k), fmt.Sprintf("127.0.0.%d", 1+k%254)
}

// RunRegister cycles service instances through the catalog: each op
// cycle of a client registers o.Instances instances of bench-svc on its
// node bench-node-K (PUT /v1/catalog/register, unique service IDs) and
// then deregisters them (PUT /v1/catalog/deregister). Registrations and
// deregistrations are reported as separate phases; -count counts cycles.
func RunRegister(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.Instances < 1 {
		return nil, fmt.Errorf("-instances must be at least 1")
	}
	eps, err := o.endpoints(o.Clients)
	if err != nil {
		return nil, err
	}
	r := newReport("register")
	o.limits(r)
	r.param("instances", o.Instances)
	l := &loop{name: "register", opts: &o, phases: []string{"register", "deregister"}}
	res := l.run(ctx, eps, func(ctx context.Context, w *worker, seq int64) {
		node, addr := benchNode(w.id)
		ids := make([]string, 0, o.Instances)
		for i := 0; i < o.Instances && ctx.Err() == nil; i++ {
			id := fmt.Sprintf("bench-svc-%d-%d-%d", w.id, seq, i)
			body, _ := json.Marshal(catalogRegistration{Node: node, Address: addr,
				Service: &catalogService{ID: id, Service: "bench-svc", Port: 20000 + i}})
			err := w.timed(ctx, 0, func(ctx context.Context) error {
				return w.ep.putTrue(ctx, "/v1/catalog/register", "", body)
			})
			if err == nil || ctx.Err() != nil { // an aborted one may have applied
				ids = append(ids, id)
			}
		}
		// A cycle always deregisters what it registered, even when the
		// run is aborted (Ctrl-C) meanwhile, so the catalog is left
		// clean; such late calls are not timed.
		for _, id := range ids {
			body, _ := json.Marshal(catalogDeregistration{Node: node, ServiceID: id})
			if ctx.Err() == nil {
				err := w.timed(ctx, 1, func(ctx context.Context) error {
					return w.ep.putTrue(ctx, "/v1/catalog/deregister", "", body)
				})
				if err == nil || ctx.Err() == nil {
					continue
				}
			}
			cleanup(&o, w.ep, "/v1/catalog/deregister", body)
		}
	})
	res.fill(r)
	r.addPhase("register", res.phases[0])
	r.addPhase("deregister", res.phases[1])
	return r, nil
}

// cleanup sends a best-effort untimed write, even after an abort.
func cleanup(o *Options, ep *endpoint, path string, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	_ = ep.putTrue(ctx, path, "", body)
}
