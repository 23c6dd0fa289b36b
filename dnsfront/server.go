package dnsfront

import (
	"errors"
	"fmt"
	"net"
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
	servers []*dns.Server // guarded by mu
	addrs   []net.Addr    // guarded by mu: the UDP address of each Listen
}

// New builds the handler chain: Metrics, Validate, Shape, Cache, Catalog,
// Recursor. It listens nowhere until Listen.
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
	cache := &Cache{TTL: cfg.CacheTTL, MaxEntries: cfg.CacheEntries, Now: cfg.Now, Next: cat}
	shape := &Shape{UDPAnswerLimit: cfg.UDPAnswerLimit, Next: cache}
	validate := &Validate{Next: shape}
	return &Metrics{Counters: counters, Now: cfg.Now, Next: validate}
}

// Counters are the server's query counters.
func (s *Server) Counters() *Counters { return s.counters }

// Listen serves UDP and TCP on addr (host:port). Port 0 takes a free UDP
// port and the same TCP port.
func (s *Server) Listen(addr string) (net.Addr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var pc net.PacketConn
	var ln net.Listener
	for attempt := 0; ; attempt++ {
		pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("DNS on %s (udp): %w", addr, err)
		}
		tcpAddr := net.JoinHostPort(host, strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port))
		ln, err = net.Listen("tcp", tcpAddr)
		if err == nil {
			break
		}
		pc.Close()
		if port != "0" || attempt >= 10 {
			return nil, fmt.Errorf("DNS on %s (tcp): %w", tcpAddr, err)
		}
	}
	mux := serveMux{chain: s.chain}
	udp := &dns.Server{PacketConn: pc, Handler: mux, UDPSize: 65535}
	tcp := &dns.Server{Listener: ln, Handler: mux, ReadTimeout: 10 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}
	s.mu.Lock()
	s.servers = append(s.servers, udp, tcp)
	s.addrs = append(s.addrs, pc.LocalAddr())
	s.mu.Unlock()
	for _, srv := range []*dns.Server{udp, tcp} {
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
	s.logger.Info("DNS listening", "address", pc.LocalAddr().String())
	return pc.LocalAddr(), nil
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
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
