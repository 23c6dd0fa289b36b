package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/concord-dev/concord/agent/rpc"
)

// remotePools keeps one rpc.Pool per remote datacenter: each verifies
// its servers' certificates as server.<dc>.<domain>.
type remotePools struct {
	newPool func(dc string) *rpc.Pool

	// mu guards pools.
	mu    sync.Mutex
	pools map[string]*rpc.Pool
}

func (p *remotePools) get(dc string) *rpc.Pool {
	p.mu.Lock()
	defer p.mu.Unlock()
	pool, ok := p.pools[dc]
	if !ok {
		pool = p.newPool(dc)
		p.pools[dc] = pool
	}
	return pool
}

func (p *remotePools) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for dc, pool := range p.pools {
		pool.Close()
		delete(p.pools, dc)
	}
}

// forwardDC sends a call for another datacenter to one of its servers,
// which routes it there as a local call (to its leader, blocking queries
// parked on it). The args carry the caller's token, so the other
// datacenter's ACLs decide.
//
// Every alive server of the datacenter is tried at most once, in the
// router's order: a call that could not be sent (or a read whose
// transport failed) moves to the next one; any other answer, errors
// included, is the datacenter's and is returned. A datacenter without
// an alive server answers at once (catalog.ErrUnknownDC); one whose
// servers all refuse the connection answers after one dial each, each
// bounded by the pool's dial timeout.
func (s *Server) forwardDC(ctx context.Context, method, dc string, write bool, args, reply interface{}) error {
	dc = strings.ToLower(dc)
	addrs, err := s.router.Servers(dc)
	if err != nil {
		return err
	}
	pool := s.remote.get(dc)
	s.metrics.RPCCrossDC(dc)
	var errs []string
	for _, addr := range addrs {
		err := pool.Call(ctx, addr, method, args, reply)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !rpc.IsTransport(err) || (write && !rpc.NotSent(err)) {
			return err
		}
		s.logger.Debug("server of another datacenter unreachable; trying the next", "datacenter", dc, "server", addr, "error", err)
		s.router.Failed(dc, addr)
		errs = append(errs, addr+": "+err.Error())
	}
	return fmt.Errorf("%w %q: no server answered (%s)", errDCUnreachable, dc, strings.Join(errs, "; "))
}

// errDCUnreachable: every server of a datacenter that gossip says is alive
// failed to take the call (a partition, or servers that just died).
var errDCUnreachable = errors.New("rpc error: cannot reach datacenter")
