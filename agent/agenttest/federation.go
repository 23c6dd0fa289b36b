package agenttest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/consul/api"
)

// DC is one datacenter of a federation started by StartFederation.
type DC struct {
	Name    string
	Servers []*agent.Agent
	Clients []*agent.Agent
}

// Addrs are the WAN gossip and server RPC addresses of the datacenter's
// servers: what a wan.Faults partition names to cut it off.
func (d DC) Addrs() []string {
	var out []string
	for _, s := range d.Servers {
		out = append(out, s.WANAddr(), s.RPCAddr())
	}
	return out
}

// StartFederation starts one cluster per name in dcs (servers servers
// and clients clients each, as StartClusterWith), with WAN pools on
// ephemeral ports and memberlist's local-network timings, joins every
// server to the WAN pool, and returns once every server sees every other
// alive there and routes to every datacenter. faults, when not nil, is
// shared by every server's WAN pool and cross-datacenter dialer; tune
// may be nil.
func StartFederation(t testing.TB, dcs []string, servers, clients int, faults *wan.Faults, tune func(*config.Config)) []DC {
	t.Helper()
	var out []DC
	for _, name := range dcs {
		srvs, clis := StartClusterWith(t, servers, clients, func(cfg *config.Config) {
			cfg.Datacenter = name
			cfg.Ports.SerfWAN = 0
			cfg.WANLocalTimings = true
			cfg.WANFaults = faults
			if tune != nil {
				tune(cfg)
			}
		})
		out = append(out, DC{Name: name, Servers: srvs, Clients: clis})
	}
	var all []*agent.Agent
	for _, dc := range out {
		all = append(all, dc.Servers...)
	}
	first := all[0].WANAddr()
	for _, s := range all[1:] {
		if _, err := s.JoinWAN([]string{first}); err != nil {
			t.Fatal(err)
		}
	}
	WaitFor(t, 45*time.Second, "every server sees every other alive in the WAN pool", func() error {
		return WANConverged(all, len(all))
	})
	// One API client per agent for all probes (see StartClusterWith).
	type probe struct {
		name string
		c    *api.Client
	}
	var probes []probe
	for _, dc := range out {
		for _, a := range append(append([]*agent.Agent{}, dc.Servers...), dc.Clients...) {
			probes = append(probes, probe{dc.Name + "/" + a.Self().NodeName, Client(t, a)})
		}
	}
	WaitFor(t, 45*time.Second, "every agent lists every datacenter", func() error {
		for _, p := range probes {
			got, err := p.c.Catalog().Datacenters()
			if err != nil {
				return err
			}
			for _, want := range dcs {
				if !slices.Contains(got, want) {
					return fmt.Errorf("%s lists %v", p.name, got)
				}
			}
		}
		return nil
	})
	return out
}

// WANConverged reports nil once every server in servers sees want alive
// members in the WAN pool.
func WANConverged(servers []*agent.Agent, want int) error {
	for _, s := range servers {
		alive := 0
		for _, m := range s.WANMembers() {
			if m.Status == lan.StatusAlive {
				alive++
			}
		}
		if alive != want {
			return fmt.Errorf("%s sees %d of %d WAN members alive", s.Self().NodeName, alive, want)
		}
	}
	return nil
}
