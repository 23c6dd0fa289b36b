package zone

import (
	"context"
	"time"

	"github.com/hashicorp/consul/api"
)

// APISource reads the instances through the Consul HTTP API, as any
// client would: concord zone export and the agent (against its own API,
// with its DNS token) both use it. It is not safe for concurrent use.
type APISource struct {
	Client     *api.Client
	Datacenter string
	// OnlyPassing drops instances with a warning check as well; critical
	// and maintenance ones are always dropped.
	OnlyPassing bool

	last             []Instance
	checks, services uint64    // the indexes last was read at
	readAt           time.Time // when last was read
}

// fullReadEvery bounds how long a read is reused while neither index
// moves: a change neither index shows (a node's new address) is still
// seen within it.
const fullReadEvery = 30 * time.Second

// Instances waits on the health checks' blocking query (up to wait) and
// re-reads every service's instances when the checks or the service
// registrations changed since the last read, or it is fullReadEvery old.
func (s *APISource) Instances(ctx context.Context, index uint64, wait time.Duration) ([]Instance, uint64, error) {
	opts := (&api.QueryOptions{Datacenter: s.Datacenter, WaitIndex: index, WaitTime: wait}).WithContext(ctx)
	_, meta, err := s.Client.Health().State(api.HealthAny, opts)
	if err != nil {
		return nil, 0, err
	}
	now := (&api.QueryOptions{Datacenter: s.Datacenter}).WithContext(ctx)
	names, smeta, err := s.Client.Catalog().Services(now)
	if err != nil {
		return nil, 0, err
	}
	if s.last != nil && meta.LastIndex == s.checks && smeta.LastIndex == s.services && time.Since(s.readAt) < fullReadEvery {
		return s.last, meta.LastIndex, nil
	}
	insts := []Instance{}
	for name := range names {
		entries, _, err := s.Client.Health().Service(name, "", false, now)
		if err != nil {
			return nil, 0, err
		}
		for _, e := range entries {
			switch e.Checks.AggregatedStatus() {
			case api.HealthPassing:
			case api.HealthWarning:
				if s.OnlyPassing {
					continue
				}
			default:
				continue
			}
			addr := e.Service.Address
			if addr == "" {
				addr = e.Node.Address
			}
			insts = append(insts, Instance{Service: e.Service.Service, Node: e.Node.Node, ID: e.Service.ID,
				Address: addr, Port: e.Service.Port})
		}
	}
	s.last, s.checks, s.services, s.readAt = insts, meta.LastIndex, smeta.LastIndex, time.Now()
	return insts, meta.LastIndex, nil
}
