package wan

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

// RTTEstimator estimates the round trip from this server to a
// datacenter, from network coordinates. The Router asks it only to order
// datacenters; ok is false when it has no estimate. Methods are called
// concurrently.
type RTTEstimator interface {
	DatacenterRTT(dc string) (rtt time.Duration, ok bool)
}

// Router knows which datacenters exist and how to reach their servers.
// Safe for concurrent use.
type Router struct {
	local string

	// mu guards dcs and rtt. dcs holds every remote datacenter the WAN
	// pool has a server of (alive, leaving or failed), with its alive
	// servers' RPC addresses.
	mu  sync.RWMutex
	dcs map[string]*ServerSet
	rtt RTTEstimator
}

// NewRouter returns a router for a node in datacenter local. Until Update
// (or Watch) feeds it WAN members it knows only the local datacenter.
func NewRouter(local string) *Router {
	return &Router{local: strings.ToLower(local), dcs: map[string]*ServerSet{}}
}

// SetRTTEstimator makes Datacenters order by estimated round trip; nil
// goes back to ordering by name.
func (r *Router) SetRTTEstimator(e RTTEstimator) {
	r.mu.Lock()
	r.rtt = e
	r.mu.Unlock()
}

// Local is the datacenter this node belongs to.
func (r *Router) Local() string { return r.local }

// Datacenters lists the known datacenters: the local one first, then the
// others by estimated round trip when an estimator is set and has one,
// then by name.
func (r *Router) Datacenters() []string {
	r.mu.RLock()
	remote := make([]string, 0, len(r.dcs))
	for dc := range r.dcs {
		remote = append(remote, dc)
	}
	est := r.rtt
	r.mu.RUnlock()
	rtts := map[string]time.Duration{}
	if est != nil {
		for _, dc := range remote {
			if d, ok := est.DatacenterRTT(dc); ok {
				rtts[dc] = d
			}
		}
	}
	sort.Slice(remote, func(i, j int) bool {
		di, iok := rtts[remote[i]]
		dj, jok := rtts[remote[j]]
		switch {
		case iok && jok && di != dj:
			return di < dj
		case iok != jok:
			return iok
		}
		return remote[i] < remote[j]
	})
	return append([]string{r.local}, remote...)
}

// IsLocal reports whether dc names the local datacenter; "" means local.
func (r *Router) IsLocal(dc string) bool {
	return dc == "" || strings.EqualFold(dc, r.local)
}

// Check returns nil when requests for dc can be served: it is the local
// datacenter, or a remote one with at least one alive server. Otherwise
// the error wraps catalog.ErrUnknownDC, Consul's "No path to datacenter".
func (r *Router) Check(dc string) error {
	_, err := r.Servers(dc)
	return err
}

// Servers returns the RPC addresses of dc's alive servers in the order to
// try them (the one calls stick to first). The local datacenter has none
// here: its servers are reached through Raft and the LAN.
func (r *Router) Servers(dc string) ([]string, error) {
	if r.IsLocal(dc) {
		return nil, nil
	}
	dc = strings.ToLower(dc)
	r.mu.RLock()
	set, known := r.dcs[dc]
	r.mu.RUnlock()
	if !known {
		return nil, fmt.Errorf("%w %q: no server of it is in the WAN pool", catalog.ErrUnknownDC, dc)
	}
	addrs := set.Ordered()
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w %q: none of its servers is alive in the WAN pool", catalog.ErrUnknownDC, dc)
	}
	return addrs, nil
}

// Failed tells the router a call to addr in dc failed, so calls move to
// the next server.
func (r *Router) Failed(dc, addr string) {
	r.mu.RLock()
	set := r.dcs[strings.ToLower(dc)]
	r.mu.RUnlock()
	if set != nil {
		set.Failed(addr)
	}
}

// Update rebuilds the remote datacenters from the WAN pool's members. A
// datacenter stays known while any of its servers is in the pool (a
// failed one too, until reaped or force-left), so "all its servers are
// down" and "never heard of it" are told apart in logs.
func (r *Router) Update(members []lan.Member) {
	alive := map[string][]string{}
	for _, m := range members {
		srv, ok := lan.ServerFromMember(m)
		if !ok || srv.Datacenter == "" {
			continue
		}
		dc := strings.ToLower(srv.Datacenter)
		if dc == r.local || m.Status == lan.StatusLeft {
			continue
		}
		if _, seen := alive[dc]; !seen {
			alive[dc] = nil
		}
		if m.Status == lan.StatusAlive {
			alive[dc] = append(alive[dc], srv.Addr.String())
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for dc := range r.dcs {
		if _, ok := alive[dc]; !ok {
			delete(r.dcs, dc)
		}
	}
	for dc, addrs := range alive {
		set := r.dcs[dc]
		if set == nil {
			set = &ServerSet{}
			r.dcs[dc] = set
		}
		sort.Strings(addrs)
		set.Set(addrs)
	}
}

// Watch keeps the router in step with p: on every membership event and
// every reconcileInterval (events can be dropped when a subscriber falls
// behind). The returned function stops it and waits for it to end.
func (r *Router) Watch(p *Pool) (stop func()) {
	events, unsubscribe := p.Subscribe()
	done := make(chan struct{})
	finished := make(chan struct{})
	r.Update(p.Members())
	go func() {
		defer close(finished)
		defer unsubscribe()
		tick := time.NewTicker(reconcileInterval)
		defer tick.Stop()
		for {
			select {
			case _, ok := <-events:
				if !ok {
					return
				}
			case <-tick.C:
			case <-done:
				return
			}
			r.Update(p.Members())
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-finished
	}
}

// reconcileInterval is how often Watch re-reads the members in case an
// event was dropped.
const reconcileInterval = 10 * time.Second
