package agent

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/catalog"
)

// RPC sends a call to the servers: in process on a server, over the pool
// from a client agent.
func (a *Agent) RPC(ctx context.Context, method string, args, reply interface{}) error {
	if a.server != nil {
		return a.server.RPC(ctx, method, args, reply)
	}
	return a.clientRPC(ctx, method, args, reply)
}

// holdTimeout is how long a call keeps looking for a server that can
// answer after its first failure, long enough to ride out an election.
func (a *Agent) holdTimeout() time.Duration { return a.cfg.RPCHoldTimeout }

func (a *Agent) clientRPC(ctx context.Context, method string, args, reply interface{}) error {
	if a.awaitingCertificate() {
		// Dialing now would open a connection without a certificate,
		// which the servers refuse for everything but the signing call.
		return errAwaitingCertificate
	}
	a.metrics.ClientRPC()
	write := catalog.IsWrite(method)
	var hold rpc.HoldTimer
	defer hold.Stop()
	var lastErr error
	for attempt := 0; ; attempt++ {
		addr := a.servers.pick()
		if addr == "" {
			// Gossip knows no server: waiting would not make one appear
			// within a hold time, so say so at once, as Consul does.
			return catalog.ErrNoServers
		}
		err := a.pool.Call(ctx, addr, method, args, reply)
		if err == nil {
			return nil
		}
		a.metrics.ClientRPCFailed()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		retry := errors.Is(err, catalog.ErrNoLeader) || rpc.NotSent(err) || (!write && rpc.IsTransport(err))
		if !retry {
			return err
		}
		if rpc.IsTransport(err) {
			a.logger.Debug("server unreachable; trying another", "server", addr, "error", err)
			a.servers.failed(addr)
		}
		lastErr = err
		wait := time.Duration(10+rand.IntN(20)) * time.Millisecond * time.Duration(min(attempt+1, 4))
		select {
		case <-time.After(wait):
		case <-hold.Start(a.holdTimeout()):
			return lastErr
		case <-ctx.Done():
			return ctx.Err()
		case <-a.shutdownCh:
			return lastErr
		}
	}
}
