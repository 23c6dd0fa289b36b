package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/connlimit"
	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/agent/local"
	"github.com/concord-dev/concord/agent/metrics"
	"github.com/concord-dev/concord/agent/monitor"
	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/agent/server"
	"github.com/concord-dev/concord/agent/ui"
	"github.com/concord-dev/concord/agent/watches"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/concord-dev/concord/dnsfront"
	"github.com/concord-dev/concord/lan"
	ctls "github.com/concord-dev/concord/tls"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/go-hclog"
)

// Agent is one running concord agent.
type Agent struct {
	cfg    *config.Config
	logger hclog.Logger
	nodeID string

	lan      *lan.Pool
	pool     *rpc.Pool
	listener *rpc.Listener  // server mode only
	server   *server.Server // server mode only
	router   *wan.Router
	// wan is the WAN pool (servers only; nil with ports.serf_wan -1) and
	// stopRouter ends the router's watch of it (wan.go).
	wan        *wan.Pool
	stopRouter func()
	servers    *serverList // client mode only
	local      *local.State
	tls        *ctls.Configurator // reloaded in place
	// autoEncrypting: a client whose certificate comes from the servers.
	autoEncrypting bool
	acls           *aclResolver // client mode only

	reloadMu   sync.Mutex // serializes reloads; guards loadConfig
	loadConfig func() (*config.Config, error)

	http       []*http.Server
	httpAddrs  []net.Addr
	httpsAddrs []net.Addr

	tokens agentTokens // tokens set through /v1/agent/token

	dns *dnsfront.Server // nil when ports.dns is -1

	watches *watches.Runner // nil when the agent serves no HTTP API

	templates *templateRun // nil when no template is configured

	// The exported zone (zone_export.go): its publisher, nil when none
	// runs, and what the DNS front serves of it (nil with DNS off). Both
	// change only at start and on reload.
	zone     *zoneRun
	zoneSlot *dnsfront.ExportSlot

	events *eventBuffer // user events this agent accepted (events.go)

	metrics *metrics.Registry // this agent's registry; nothing is global

	logs *monitor.Source // /v1/agent/monitor's subscriptions; nil without an InterceptLogger

	started    time.Time
	shutdownCh chan struct{}
	shutdown   sync.Once
	wg         sync.WaitGroup
}

// New starts an agent from a validated configuration: server port and
// Raft (server mode), the LAN pool, the HTTP API, and the joins.
func New(cfg *config.Config, logger hclog.Logger) (_ *Agent, err error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	raiseFileLimit(logger)
	id, err := nodeID(cfg.NodeID, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	tlsc, err := newTLS(cfg)
	if err != nil {
		return nil, err
	}
	reg, err := metrics.New(cfg.Telemetry.MetricsPrefix)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		metrics:    reg,
		cfg:        cfg,
		logger:     logger,
		nodeID:     id,
		tls:        tlsc,
		pool:       rpc.NewPool(rpcOptions(cfg, tlsc)...),
		router:     wan.NewRouter(cfg.Datacenter),
		started:    time.Now(),
		shutdownCh: make(chan struct{}),
		events:     newEventBuffer(),
	}
	// Whatever started before a failure is stopped again.
	defer func() {
		if err != nil {
			a.Shutdown()
		}
	}()

	advertise := net.ParseIP(cfg.AdvertiseAddr)
	if advertise == nil {
		return nil, fmt.Errorf("advertise address %q is not an IP address", cfg.AdvertiseAddr)
	}
	var tags map[string]string
	if cfg.Server {
		a.listener, err = listenServerPort(cfg, advertise, logger, tlsc)
		if err != nil {
			return nil, err
		}
		tags = lan.ServerTags(id, cfg.Datacenter, a.rpcAdvertise().Port, cfg.BootstrapExpect, cfg.Bootstrap, 3, Version)
	} else {
		tags = lan.ClientTags(id, cfg.Datacenter, Version)
	}

	lcfg := lan.DefaultConfig()
	lcfg.NodeName = cfg.NodeName
	lcfg.BindAddr = cfg.BindAddr
	lcfg.BindPort = cfg.Ports.SerfLAN
	lcfg.AdvertiseAddr = cfg.AdvertiseAddr
	lcfg.AdvertisePort = cfg.Ports.SerfLAN
	lcfg.Tags = tags
	lcfg.Logger = logger.Named("lan")
	if cfg.ReconnectTimeout > 0 {
		lcfg.ReconnectTimeout = cfg.ReconnectTimeout
	}
	var gossipKey []byte
	if cfg.EncryptKey != "" {
		key, kerr := decodeKey(cfg.EncryptKey)
		if kerr != nil {
			return nil, kerr
		}
		lcfg.SecretKey = key
		gossipKey = key
	}
	lcfg.AllowPlaintextIn = !cfg.EncryptVerifyIncoming
	lcfg.PlaintextOut = !cfg.EncryptVerifyOutgoing
	if cfg.DataDir != "" {
		// Rotations survive restarts; a dev agent without a data
		// directory keeps its keyring in memory.
		lcfg.KeyringFile = filepath.Join(cfg.DataDir, keyringFile)
	}
	lcfg.OnUserEvent = a.acceptEvent
	lcfg.DisableCoordinates = cfg.DisableCoordinates
	// memberlist's probe and suspicion counters land in this agent's
	// registry (agent/metrics/gossip.go).
	lcfg.Memberlist.MetricLabels = reg.MemberlistLabels("lan")
	lcfg.ReconnectInterval = cfg.ReconnectInterval
	if cfg.TestNetwork != nil {
		lcfg.WrapTransport = cfg.TestNetwork.WrapGossip
	}
	a.lan, err = lan.New(lcfg)
	if err != nil {
		return nil, fmt.Errorf("start LAN gossip on %s:%d: %w", cfg.BindAddr, cfg.Ports.SerfLAN, err)
	}
	if err := a.startWAN(tags, gossipKey); err != nil {
		return nil, err
	}
	pools := []metrics.MemberPool{{Name: "lan", Members: a.lan.Members, Counts: a.lan.Counts, HealthScore: a.lan.HealthScore}}
	if a.wan != nil {
		pools = append(pools, metrics.MemberPool{Name: "wan", Members: a.wan.Members, Counts: a.wan.Counts, HealthScore: a.wan.HealthScore})
	}
	if err := reg.Register(reg.MembersCollector(pools...)); err != nil {
		return nil, err
	}
	if err := reg.Register(reg.GossipCollector(pools...)); err != nil {
		return nil, err
	}

	if cfg.Server {
		scfg := server.DefaultConfig()
		scfg.NodeName = cfg.NodeName
		scfg.NodeID = id
		scfg.Datacenter = cfg.Datacenter
		scfg.Build = Version
		scfg.DataDir = cfg.DataDir
		scfg.InMemory = cfg.DevMode && cfg.DataDir == ""
		scfg.RPCAdvertise = a.rpcAdvertise()
		scfg.Bootstrap = cfg.Bootstrap
		scfg.BootstrapExpect = cfg.BootstrapExpect
		scfg.RaftMultiplier = cfg.RaftMultiplier
		scfg.SnapshotThreshold = uint64(cfg.RaftSnapshotThreshold)
		scfg.SnapshotInterval = cfg.RaftSnapshotInterval
		scfg.TrailingLogs = uint64(cfg.RaftTrailingLogs)
		scfg.RPCHoldTimeout = cfg.RPCHoldTimeout
		scfg.ACLsEnabled = cfg.ACL.Enabled
		scfg.ACLDefaultAllow = cfg.ACL.DefaultPolicy != "deny"
		scfg.InitialManagementToken = cfg.ACL.Tokens.InitialManagement
		scfg.PrimaryDatacenter = cfg.PrimaryDatacenter
		scfg.ACLTokenReplication = cfg.ACL.EnableTokenReplication
		scfg.ACLDownPolicy = cfg.ACL.DownPolicy
		scfg.ACLTokenTTL = cfg.ACL.TokenTTL
		if cfg.SessionTTLMin > 0 {
			scfg.SessionTTLMin = cfg.SessionTTLMin
		}
		if cfg.SessionTTLMultiplier > 0 {
			scfg.SessionTTLMultiplier = cfg.SessionTTLMultiplier
		}
		if cfg.CoordinateUpdatePeriod > 0 {
			scfg.CoordinateUpdatePeriod = cfg.CoordinateUpdatePeriod
		}
		scfg.Logger = logger.Named("server")
		scfg.AutoEncryptAllowTLS = cfg.AutoEncrypt.AllowTLS
		scfg.AutoEncryptCertTTL = cfg.AutoEncryptCertTTL
		scfg.AutopilotInterval = cfg.AutopilotInterval
		scfg.Autopilot = catalog.AutopilotConfig{
			CleanupDeadServers:      cfg.Autopilot.CleanupDeadServers,
			LastContactThreshold:    cfg.Autopilot.LastContactThreshold,
			MaxTrailingLogs:         uint64(cfg.Autopilot.MaxTrailingLogs),
			MinQuorum:               uint(cfg.Autopilot.MinQuorum),
			ServerStabilizationTime: cfg.Autopilot.ServerStabilizationTime,
		}
		deps := server.Deps{Listener: a.listener, Pool: a.pool, LAN: a.lan, Router: a.router, Metrics: reg,
			RemotePool: a.remotePool, Events: a.lan,
			ReplicationToken: func() string { return a.AgentToken("replication") }}
		if a.wan != nil {
			deps.WANCoordinates = server.PoolCoordinates{Pool: a.wan}
		}
		if cfg.AutoEncrypt.AllowTLS {
			deps.Signer = tlsc
		}
		a.server, err = server.New(scfg, deps)
		if err != nil {
			return nil, err
		}
		srv := a.server
		if err := reg.Register(reg.RaftCollector(srv.Stats)); err != nil {
			return nil, err
		}
		if err := reg.Register(reg.CatalogCollector(func() (state.Usage, error) { return srv.State().Usage() })); err != nil {
			return nil, err
		}
		if err := reg.Register(reg.AutopilotCollector(srv.AutopilotHealth)); err != nil {
			return nil, err
		}
	} else {
		a.acls = &aclResolver{agent: a, ttl: cfg.ACL.TokenTTL, downPolicy: cfg.ACL.DownPolicy,
			defaultAllow: cfg.ACL.DefaultPolicy != "deny", cache: map[[32]byte]resolved{}}
		a.servers = newServerList(cfg.Datacenter)
		a.servers.update(a.lan.Members())
		events, unsubscribe := a.lan.Subscribe()
		a.wg.Add(1)
		go a.trackServers(events, unsubscribe)
		if autoEncryptClient(cfg) {
			a.autoEncrypting = true
			a.wg.Add(1)
			go a.autoEncrypt()
		}
	}

	// Tokens an earlier run set through the API are needed before
	// anti-entropy's first sync.
	if err := a.loadPersistedTokens(); err != nil {
		return nil, err
	}
	if err := a.startLocal(); err != nil {
		return nil, err
	}
	if err := reg.Register(reg.LocalCollector(a.local.Services, a.local.Checks)); err != nil {
		return nil, err
	}
	if err := a.startHTTP(); err != nil {
		return nil, err
	}
	if err := a.startDNS(); err != nil {
		return nil, err
	}
	if err := a.startWatches(); err != nil {
		return nil, err
	}
	if err := a.startTemplates(cfg.Templates); err != nil {
		return nil, err
	}
	joins := []joinPool{a.lanJoins()}
	if a.wan != nil {
		joins = append(joins, a.wanJoins())
	}
	for _, p := range joins {
		if err := a.joinStart(p); err != nil {
			return nil, err
		}
	}
	for _, p := range joins {
		a.wg.Add(1)
		go a.retryJoin(p)
	}
	a.wg.Add(1)
	go a.syncCoordinates()
	a.logger.Info("agent started", "node", cfg.NodeName, "id", id, "datacenter", cfg.Datacenter, "server", cfg.Server)
	return a, nil
}

// rpcOptions are the pool's and the server port's: TLS, and a test's
// network (Config.TestNetwork) under the dialers when one is set.
func rpcOptions(cfg *config.Config, tlsc *ctls.Configurator) []rpc.Option {
	opts := []rpc.Option{rpc.WithTLS(tlsc, cfg.Datacenter)}
	if cfg.TestNetwork != nil {
		opts = append(opts, rpc.WithDialer(cfg.TestNetwork.DialContext))
	}
	return opts
}

// listenServerPort binds the server port; port 0 (tests) binds and
// advertises any free port. Once tlsc holds a certificate and a CA, the
// port accepts TLS only.
func listenServerPort(cfg *config.Config, advertise net.IP, logger hclog.Logger, tlsc *ctls.Configurator) (*rpc.Listener, error) {
	bind := net.JoinHostPort(cfg.BindAddr, strconv.Itoa(cfg.Ports.Server))
	opts := rpcOptions(cfg, tlsc)
	if cfg.AutoEncrypt.AllowTLS {
		// A client without a certificate may ask for one, and nothing
		// else (see rpc.AllowWithoutClientCert).
		opts = append(opts, rpc.AllowWithoutClientCert(catalog.MethodAutoEncryptSign))
	}
	return rpc.Listen(bind, &net.TCPAddr{IP: advertise, Port: cfg.Ports.Server}, logger.Named("rpc"), opts...)
}

func (a *Agent) rpcAdvertise() *net.TCPAddr {
	return a.listener.RaftLayer().Addr().(*net.TCPAddr)
}

func (a *Agent) trackServers(events <-chan lan.Event, unsubscribe func()) {
	defer a.wg.Done()
	defer unsubscribe()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-events:
		case <-tick.C:
		case <-a.shutdownCh:
			return
		}
		// Calls parked on a connection to a server gossip declared
		// failed (its host died or is cut off) fail now and move to
		// another server, rather than wait for yamux's keepalive to
		// time out, up to 20 s later.
		for _, addr := range a.servers.update(a.lan.Members()) {
			a.pool.Drop(addr)
		}
	}
}

// startHTTP serves the HTTP API on ports.http and, when the https scope
// has a certificate, on ports.https; -1 disables either.
func (a *Agent) startHTTP() error {
	https := a.cfg.Ports.HTTPS >= 0 && a.tls.HTTPSEnabled()
	if a.cfg.Ports.HTTP < 0 && !https {
		return nil
	}
	var webUI http.Handler
	if a.cfg.UI {
		h, err := ui.New()
		if err != nil {
			return err
		}
		webUI = h
	}
	api, err := httpapi.New(httpapi.Config{
		Datacenter:  a.cfg.Datacenter,
		NodeName:    a.cfg.NodeName,
		Logger:      a.logger.Named("http"),
		UI:          webUI,
		EnableDebug: a.cfg.EnableDebug,
		Metrics:     a.metrics,
		Logs:        a.logStreams(),
	}, a)
	if err != nil {
		return err
	}
	if a.cfg.Ports.HTTP >= 0 {
		hosts := a.cfg.HTTPAddrs
		if len(hosts) == 0 {
			hosts = a.cfg.ClientAddrs
		}
		for _, host := range hosts {
			addr, err := a.serveHTTP(api, net.JoinHostPort(host, strconv.Itoa(a.cfg.Ports.HTTP)), false)
			if err != nil {
				return err
			}
			a.httpAddrs = append(a.httpAddrs, addr)
		}
	}
	if https {
		hosts := a.cfg.HTTPSAddrs
		if len(hosts) == 0 {
			hosts = a.cfg.ClientAddrs
		}
		for _, host := range hosts {
			addr, err := a.serveHTTP(api, net.JoinHostPort(host, strconv.Itoa(a.cfg.Ports.HTTPS)), true)
			if err != nil {
				return err
			}
			a.httpsAddrs = append(a.httpsAddrs, addr)
		}
	}
	return nil
}

// serveHTTP listens on addr and serves api there, behind TLS when secure.
func (a *Agent) serveHTTP(api http.Handler, addr string, secure bool) (net.Addr, error) {
	name, flag := "HTTP", "-http-port"
	if secure {
		name, flag = "HTTPS", "-https-port"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s API on %s: %w (is another agent running? choose another %s or -client)", name, addr, err, flag)
	}
	// One client IP may hold at most HTTPMaxConnsPerClient
	// connections; request bodies are timed out by the API itself
	// (httpapi.Config.BodyReadTimeout), not by ReadTimeout, which would
	// end blocking queries. An accept error (EMFILE) does not stop
	// Serve: net/http retries temporary errors with a pause that
	// doubles from 5 ms to 1 s, and EMFILE counts as temporary.
	// ReadHeaderTimeout also bounds the TLS handshake.
	ln = connlimit.NewListener(ln, a.cfg.HTTPMaxConnsPerClient)
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          a.logger.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	if secure {
		// Certificates are read per handshake, so a reload needs no
		// restart of the listener.
		srv.TLSConfig = a.tls.IncomingHTTPSConfig()
	}
	a.http = append(a.http, srv)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		var err error
		if secure {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Error(name+" server stopped", "address", addr, "error", err)
		}
	}()
	a.logger.Info(name+" API listening", "address", ln.Addr().String())
	return ln.Addr(), nil
}

// HTTPAddrs are the addresses the HTTP API listens on.
func (a *Agent) HTTPAddrs() []net.Addr { return a.httpAddrs }

// HTTPSAddrs are the addresses the HTTPS API listens on.
func (a *Agent) HTTPSAddrs() []net.Addr { return a.httpsAddrs }

// ShutdownCh is closed when the agent has shut down, including after a
// leave requested through the API.
func (a *Agent) ShutdownCh() <-chan struct{} { return a.shutdownCh }

// GracefulStop is what a signal asks for: a leading server hands off
// leadership first; then the agent leaves the pool if leave is true, and
// shuts down.
func (a *Agent) GracefulStop(leave bool) error {
	if a.server != nil {
		a.server.StepDown(5 * time.Second)
	}
	if leave {
		a.leaveWAN()
	}
	if leave && a.lan != nil {
		a.logger.Info("leaving the LAN pool")
		if err := a.lan.Leave(5 * time.Second); err != nil {
			a.logger.Warn("leave", "error", err)
		}
	}
	return a.Shutdown()
}

// Shutdown stops everything without leaving: the other agents will see
// this one as failed until it returns.
func (a *Agent) Shutdown() error {
	var errs []error
	a.shutdown.Do(func() {
		close(a.shutdownCh)
		if a.watches != nil {
			// Before the HTTP servers, which wait for the watches'
			// blocking queries.
			a.watches.Close()
		}
		a.templates.stop() // before the HTTP servers too
		a.zone.stop()
		if a.logs != nil {
			// Monitor streams never go idle by themselves.
			a.logs.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, srv := range a.http {
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
		}
		if a.dns != nil {
			errs = append(errs, a.dns.Close())
		}
		if a.local != nil {
			a.local.Close()
		}
		if a.server != nil {
			errs = append(errs, a.server.Shutdown())
		}
		errs = append(errs, a.shutdownWAN())
		if a.lan != nil {
			errs = append(errs, a.lan.Shutdown())
		}
		if a.listener != nil {
			errs = append(errs, a.listener.Close())
		}
		a.pool.Close()
		a.wg.Wait()
		a.metrics.Close()
		a.logger.Info("agent stopped")
	})
	return errors.Join(errs...)
}
