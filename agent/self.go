package agent

import (
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/lan"
)

var _ httpapi.Agent = (*Agent)(nil)

// Self describes this agent for /v1/agent/self and `concord info`.
func (a *Agent) Self() httpapi.Self {
	stats := map[string]map[string]string{
		"agent": {
			"check_monitors": "0",
			"check_ttls":     "0",
			"checks":         "0",
			"services":       "0",
		},
		"build": {
			"version":    Version,
			"revision":   Revision(),
			"prerelease": "",
		},
		"runtime": {
			"arch":       runtime.GOARCH,
			"os":         runtime.GOOS,
			"version":    runtime.Version(),
			"cpu_count":  strconv.Itoa(runtime.NumCPU()),
			"goroutines": strconv.Itoa(runtime.NumGoroutine()),
			"max_procs":  strconv.Itoa(runtime.GOMAXPROCS(0)),
		},
		"serf_lan": a.lan.Stats(),
		"consul": {
			"server":            strconv.FormatBool(a.server != nil),
			"known_datacenters": strconv.Itoa(len(a.router.Datacenters())),
		},
	}
	if a.wan != nil {
		stats["serf_wan"] = a.wan.Stats()
	}
	if a.server != nil {
		stats["raft"] = a.server.Stats()
		stats["consul"]["leader"] = strconv.FormatBool(a.server.IsLeader())
		stats["consul"]["leader_addr"] = a.server.Leader()
		stats["consul"]["bootstrap"] = strconv.FormatBool(a.cfg.Bootstrap)
	} else {
		stats["consul"]["known_servers"] = strconv.Itoa(a.servers.len())
	}
	coord, _ := a.lan.Coordinate()
	return httpapi.Self{
		Coord:             coord,
		Datacenter:        a.cfg.Datacenter,
		PrimaryDatacenter: a.primaryDatacenter(),
		NodeName:          a.cfg.NodeName,
		NodeID:            a.nodeID,
		Server:            a.server != nil,
		Version:           Version,
		Revision:          Revision(),
		Member:            a.lan.LocalMember(),
		Stats:             stats,
		DebugConfig:       a.cfg.Sanitized(),
		StartedAt:         a.started,
	}
}

// Members lists the LAN pool.
func (a *Agent) Members() []lan.Member { return a.lan.Members() }

// Join joins the LAN pool through addrs.
func (a *Agent) Join(addrs []string) (int, error) {
	n, err := a.lan.Join(addrs)
	if n == 0 && err == nil {
		err = fmt.Errorf("no agent answered at %v", addrs)
	}
	if n > 0 {
		err = nil
	}
	return n, err
}

// Leave leaves the pool gracefully and shuts the agent down, after the
// HTTP response that asked for it has had a moment to go out.
func (a *Agent) Leave() error {
	if a.server != nil {
		a.server.StepDown(5 * time.Second)
	}
	a.leaveWAN()
	if err := a.lan.Leave(5 * time.Second); err != nil {
		return err
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		a.Shutdown()
	}()
	return nil
}

// ForceLeave moves a failed member to left.
func (a *Agent) ForceLeave(node string, prune bool) error {
	return a.lan.ForceLeave(node, prune)
}

// primaryDatacenter is primary_datacenter, or this datacenter when it is
// unset (a lone datacenter is its own primary).
func (a *Agent) primaryDatacenter() string {
	if a.cfg.PrimaryDatacenter != "" {
		return a.cfg.PrimaryDatacenter
	}
	return a.cfg.Datacenter
}
