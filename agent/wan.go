package agent

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/agent/server"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/memberlist"
)

// wanKeyringFile keeps the WAN pool's keyring, as Consul's
// serf/remote.keyring: seeded from the same encrypt key as the LAN one,
// then rotated on its own.
const wanKeyringFile = "serf/remote.keyring"

// errNotServer answers WAN operations on a client agent (400): only
// servers are in the WAN pool.
var errNotServer = catalog.BadRequestf("Must be a server to join or leave the WAN pool; client agents reach other datacenters through their servers")

// startWAN joins a server to the WAN pool (unless ports.serf_wan is -1)
// and has the router follow its membership.
func (a *Agent) startWAN(tags map[string]string, key []byte) error {
	cfg := a.cfg
	if !cfg.Server || cfg.Ports.SerfWAN < 0 {
		return nil
	}
	wcfg := &wan.Config{
		NodeName:         cfg.NodeName,
		Datacenter:       cfg.Datacenter,
		BindAddr:         cfg.BindAddr,
		BindPort:         cfg.Ports.SerfWAN,
		AdvertiseAddr:    cfg.AdvertiseAddrWAN,
		AdvertisePort:    cfg.Ports.SerfWAN,
		Tags:             tags,
		SecretKey:        key,
		AllowPlaintextIn: !cfg.EncryptVerifyIncoming,
		PlaintextOut:     !cfg.EncryptVerifyOutgoing,
		Logger:           a.logger.Named("wan"),
		Faults:           cfg.WANFaults,
	}
	wcfg.Memberlist = memberlist.DefaultWANConfig()
	if cfg.WANLocalTimings {
		wcfg.Memberlist = memberlist.DefaultLocalConfig()
		wcfg.ReconnectInterval = time.Second
	}
	// memberlist's probe and suspicion counters land in this agent's
	// registry with network="wan" (agent/metrics/gossip.go).
	wcfg.Memberlist.MetricLabels = a.metrics.MemberlistLabels("wan")
	if cfg.DataDir != "" {
		wcfg.KeyringFile = filepath.Join(cfg.DataDir, wanKeyringFile)
	}
	p, err := wan.New(wcfg)
	if err != nil {
		return fmt.Errorf("start WAN gossip on %s:%d: %w", cfg.BindAddr, cfg.Ports.SerfWAN, err)
	}
	a.wan = p
	a.stopRouter = a.router.Watch(p)
	// Remote datacenters are ordered by the median round trip to their
	// servers, estimated from the WAN pool's coordinates.
	a.router.SetRTTEstimator(server.PoolCoordinates{Pool: p})
	return nil
}

// remotePool makes the pool a server calls another datacenter's servers
// with: TLS expects server.<dc>.<domain>, and tests may cut it off.
func (a *Agent) remotePool(dc string) *rpc.Pool {
	opts := []rpc.Option{rpc.WithTLS(a.tls, dc)}
	if a.cfg.WANFaults != nil {
		opts = append(opts, rpc.WithDialer(a.cfg.WANFaults.Dialer(a.rpcAdvertise().String())))
	}
	return rpc.NewPool(opts...)
}

// WANAddr is the WAN gossip address other servers join this one at
// ("" on a client agent or with the WAN pool off).
func (a *Agent) WANAddr() string {
	if a.wan == nil {
		return ""
	}
	m := a.wan.LocalMember()
	return net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
}

// WANMembers lists the WAN pool; a client agent is in none and gets an
// empty list, as from Consul.
func (a *Agent) WANMembers() []lan.Member {
	if a.wan == nil {
		return nil
	}
	return a.wan.Members()
}

// JoinWAN joins the WAN pool through addrs (port 8302 when none given).
func (a *Agent) JoinWAN(addrs []string) (int, error) {
	if a.wan == nil {
		if a.server != nil {
			return 0, errors.New("the WAN pool is off on this server (ports.serf_wan = -1)")
		}
		return 0, errNotServer
	}
	n, err := a.wan.Join(addrs)
	if n > 0 {
		err = nil
	}
	return n, err
}

// ForceLeaveWAN moves a failed WAN member ("NODE.DC") to left.
func (a *Agent) ForceLeaveWAN(node string, prune bool) error {
	if a.wan == nil {
		return errNotServer
	}
	return a.wan.ForceLeave(node, prune)
}

// wanJoins are the WAN pool's joins (-join-wan, -retry-join-wan).
func (a *Agent) wanJoins() joinPool {
	return joinPool{name: "WAN ", join: a.wan.Join, start: a.cfg.StartJoinWAN, retry: a.cfg.RetryJoinWAN,
		retryInterval: a.cfg.RetryIntervalWAN, retryMax: a.cfg.RetryMaxAttemptsWAN, port: a.cfg.Ports.SerfWAN}
}

// leaveWAN leaves the WAN pool gracefully, so other datacenters see this
// server left rather than failed.
func (a *Agent) leaveWAN() {
	if a.wan == nil {
		return
	}
	if err := a.wan.Leave(5 * time.Second); err != nil {
		a.logger.Warn("WAN leave", "error", err)
	}
}

// shutdownWAN stops the router's watch and the WAN pool.
func (a *Agent) shutdownWAN() error {
	if a.stopRouter != nil {
		a.stopRouter()
	}
	if a.wan == nil {
		return nil
	}
	return a.wan.Shutdown()
}

// RPCAddr is the server port's advertised address ("" on a client).
func (a *Agent) RPCAddr() string {
	if a.listener == nil {
		return ""
	}
	return a.rpcAdvertise().String()
}
