package dnsfront

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"
)

// Server serves the chain over UDP and TCP on any number of addresses.
type Server struct {
	cfg      Config
	chain    Handler
	counters *Counters
	logger   hclog.Logger

	mu      sync.Mutex
	servers []*dns.Server // guarded by mu: TCP, and UDP on wildcard addresses
	udp     []*udpServer  // guarded by mu
	addrs   []net.Addr    // guarded by mu: the UDP address of each Listen
}

// New builds the handler chain: Metrics, Validate, [Transfer,] Shape,
// [ZoneAnswer,] Cache, Catalog, Recursor (the bracketed two with an
// exported zone). It listens nowhere until Listen.
func New(cfg Config, lookup Lookup, logger hclog.Logger) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	s := &Server{cfg: cfg, counters: &Counters{}, logger: logger}
	s.chain = NewChain(&s.cfg, lookup, s.counters)
	return s, nil
}

// NewChain links the handlers for cfg (already validated).
func NewChain(cfg *Config, lookup Lookup, counters *Counters) Handler {
	recursor := &Recursor{Addrs: cfg.Recursors, Timeout: cfg.RecursorTimeout}
	cat := &Catalog{cfg: cfg, lookup: lookup, Next: recursor}
	var afterShape, afterValidate Handler
	afterShape = &Cache{TTL: cfg.CacheTTL, MaxEntries: cfg.CacheEntries, Now: cfg.Now, Next: cat}
	if cfg.Export != nil {
		afterShape = &ZoneAnswer{Export: cfg.Export, Next: afterShape}
	}
	afterValidate = &Shape{UDPAnswerLimit: cfg.UDPAnswerLimit, Next: afterShape}
	if cfg.Export != nil {
		afterValidate = &Transfer{Export: cfg.Export, Next: afterValidate}
	}
	validate := &Validate{Next: afterValidate}
	return &Metrics{Counters: counters, Now: cfg.Now, Next: validate}
}

// Counters are the server's query counters.
func (s *Server) Counters() *Counters { return s.counters }

// Listen serves UDP and TCP on addr (host:port). Port 0 takes a free TCP
// port and the same UDP port.
//
// TCP binds first, without SO_REUSEPORT, and so holds the port: a second
// agent on the same port fails there rather than sharing the UDP sockets.
// UDP is served by GOMAXPROCS sockets (see udpServer), except on a
// wildcard address, where miekg/dns's server answers each query from the
// address it was sent to.
func (s *Server) Listen(addr string) (net.Addr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(host)
	wildcard := host == "" || (ip != nil && ip.IsUnspecified())
	var ln net.Listener
	var pc net.PacketConn
	var conns []*net.UDPConn
	for attempt := 0; ; attempt++ {
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("DNS on %s (tcp): %w", addr, err)
		}
		udpAddr := net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		if wildcard {
			pc, err = net.ListenPacket("udp", udpAddr)
		} else {
			conns, err = listenUDP(udpAddr, runtime.GOMAXPROCS(0))
		}
		if err == nil {
			break
		}
		ln.Close()
		if port != "0" || attempt >= 10 {
			return nil, fmt.Errorf("DNS on %s (udp): %w", udpAddr, err)
		}
	}
	mux := serveMux{chain: s.chain}
	servers := []*dns.Server{{Listener: ln, Handler: mux, ReadTimeout: 10 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}}
	var local net.Addr
	if wildcard {
		servers = append(servers, &dns.Server{PacketConn: pc, Handler: mux, UDPSize: udpBufSize})
		local = pc.LocalAddr()
	} else {
		u := &udpServer{chain: s.chain, conns: conns}
		u.serve()
		local = conns[0].LocalAddr()
		s.mu.Lock()
		s.udp = append(s.udp, u)
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.servers = append(s.servers, servers...)
	s.addrs = append(s.addrs, local)
	s.mu.Unlock()
	for _, srv := range servers {
		started := make(chan struct{})
		var once sync.Once
		srv.NotifyStartedFunc = func() { once.Do(func() { close(started) }) }
		go func() {
			err := srv.ActivateAndServe()
			once.Do(func() { close(started) })
			if err != nil && !strings.Contains(err.Error(), "closed") {
				s.logger.Error("DNS server stopped", "address", addr, "error", err)
			}
		}()
		<-started
	}
	s.logger.Info("DNS listening", "address", local.String())
	return local, nil
}

// Addrs are the addresses Listen bound (UDP; TCP has the same port).
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// Close stops every listener.
func (s *Server) Close() error {
	s.mu.Lock()
	servers, udp := s.servers, s.udp
	s.servers, s.udp = nil, nil
	s.mu.Unlock()
	var errs []error
	for _, u := range udp {
		errs = append(errs, u.close())
	}
	for _, srv := range servers {
		if err := srv.Shutdown(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
