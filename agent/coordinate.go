package agent

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// Coordinate sync, as Consul's agents do it: each agent sends its LAN
// coordinate to the servers every interval, scaled up with the pool so
// the whole datacenter sends about coordinateRateTarget updates a second,
// never more often than the minimum interval, and staggered so agents
// that started together do not send together.
const (
	defaultCoordinateSyncInterval = 15 * time.Second
	coordinateRateTarget          = 64.0 // updates per second, datacenter-wide
)

// coordinateInterval is the wait before the next send for a pool of n
// members.
func coordinateInterval(minInterval time.Duration, n int) time.Duration {
	scaled := time.Duration(math.Ceil(float64(n)/coordinateRateTarget*1000)) * time.Millisecond
	return max(minInterval, scaled)
}

// syncCoordinates sends this agent's coordinate until shutdown.
func (a *Agent) syncCoordinates() {
	defer a.wg.Done()
	minInterval := a.cfg.CoordinateSyncInterval
	if minInterval <= 0 {
		minInterval = defaultCoordinateSyncInterval
	}
	for {
		interval := coordinateInterval(minInterval, len(a.lan.Members()))
		// The first send waits a random part of one interval, later ones
		// a full interval plus up to half of one.
		wait := interval + rand.N(interval/2+1)
		select {
		case <-time.After(wait):
		case <-a.shutdownCh:
			return
		}
		coord, ok := a.lan.Coordinate()
		if !ok {
			return
		}
		token := a.ownToken()
		req := &catalog.CoordinateUpdateRequest{
			WriteRequest: catalog.WriteRequest{Datacenter: a.cfg.Datacenter, Token: token},
			Node:         a.cfg.NodeName,
			Coord:        coord,
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		err := a.RPC(ctx, catalog.MethodCoordinateUpdate, req, &struct{}{})
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, catalog.ErrPermissionDenied):
			a.logger.Warn("coordinate update refused: the agent token needs node:write on this node", "node", a.cfg.NodeName)
		default:
			a.logger.Debug("coordinate update failed; sending again next interval", "error", err)
		}
	}
}
