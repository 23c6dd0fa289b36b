package tls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
)

// Configurator hands out crypto/tls configurations for the server port and
// the HTTPS API. Every handshake reads the current certificates and
// settings through one atomic pointer, so Reload takes effect for new
// handshakes while established connections keep what they negotiated.
// Its methods are safe for concurrent use.
type Configurator struct {
	cur atomic.Pointer[state]
}

// state is one loaded configuration; it is never changed once published.
type state struct {
	rpc, https *scope
}

// scope is one Config with its files read.
type scope struct {
	cfg    Config
	cert   *tls.Certificate // nil without cert_file
	pool   *x509.CertPool   // nil without a CA
	min    uint16
	server *tls.Config // the server side of a handshake; nil without cert
}

// New loads both scopes' files. A scope with nothing set is valid and
// means plaintext.
func New(internalRPC, https Config) (*Configurator, error) {
	c := &Configurator{}
	if err := c.Reload(internalRPC, https); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload re-reads the certificate, key and CA files of both scopes and
// switches new handshakes to them. On error nothing changes.
func (c *Configurator) Reload(internalRPC, https Config) error {
	r, err1 := loadScope("internal_rpc", internalRPC, nil)
	h, err2 := loadScope("https", https, []string{"h2", "http/1.1"})
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	c.cur.Store(&state{rpc: r, https: h})
	return nil
}

func loadScope(name string, cfg Config, protos []string) (*scope, error) {
	if cfg.VerifyServerHostname {
		cfg.VerifyOutgoing = true
	}
	if err := cfg.check(name); err != nil {
		return nil, err
	}
	s := &scope{cfg: cfg}
	s.min, _ = ParseMinVersion(cfg.MinVersion)
	var err error
	if s.pool, err = loadCAs(cfg.CAFile, cfg.CAPath); err != nil {
		return nil, fmt.Errorf("tls.%s: %w", name, err)
	}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.%s: load cert_file %s and key_file %s: %w", name, cfg.CertFile, cfg.KeyFile, err)
		}
		s.cert = &cert
		s.server = &tls.Config{
			MinVersion:   s.min,
			Certificates: []tls.Certificate{cert},
			ClientCAs:    s.pool,
			ClientAuth:   tls.NoClientCert,
			NextProtos:   protos,
		}
		switch {
		case cfg.VerifyIncoming:
			s.server.ClientAuth = tls.RequireAndVerifyClientCert
		case s.pool != nil:
			s.server.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return s, nil
}

func (c *Configurator) rpc() *scope   { return c.cur.Load().rpc }
func (c *Configurator) https() *scope { return c.cur.Load().https }

// RPCRequiresTLS reports whether the server port accepts only TLS: the
// internal_rpc scope has a certificate and a CA.
func (c *Configurator) RPCRequiresTLS() bool {
	s := c.rpc()
	return s.cert != nil && s.pool != nil
}

// UseTLS reports whether outgoing server-port connections must use TLS:
// verify_outgoing (or verify_server_hostname) is on, or this agent has a
// certificate and a CA, so its own server port would refuse plaintext.
func (c *Configurator) UseTLS() bool {
	s := c.rpc()
	return s.cfg.VerifyOutgoing || (s.cert != nil && s.pool != nil)
}

// HTTPSEnabled reports whether the https scope has a certificate to serve.
func (c *Configurator) HTTPSEnabled() bool { return c.https().cert != nil }

// IncomingRPCConfig is the server side of the server port. It requires and
// verifies client certificates when verify_incoming is set.
func (c *Configurator) IncomingRPCConfig() *tls.Config {
	return c.incoming(c.rpc, "internal_rpc")
}

// IncomingHTTPSConfig is the server side of the HTTPS API. It requires and
// verifies client certificates when https.verify_incoming is set.
func (c *Configurator) IncomingHTTPSConfig() *tls.Config {
	return c.incoming(c.https, "https")
}

func (c *Configurator) incoming(get func() *scope, name string) *tls.Config {
	return &tls.Config{
		MinVersion: get().min,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			if s := get().server; s != nil {
				return s, nil
			}
			return nil, fmt.Errorf("tls.%s has no certificate to serve", name)
		},
	}
}

// OutgoingRPCConfig is the client side of a connection to a server of
// datacenter dc. The server's certificate must chain to the CA, and with
// verify_server_hostname it must be valid for server.<dc>.<domain>, so
// neither a client certificate nor another datacenter's server
// certificate is accepted. This agent's certificate, if any, is presented.
func (c *Configurator) OutgoingRPCConfig(dc string) *tls.Config {
	s := c.rpc()
	cfg := &tls.Config{
		MinVersion: s.min,
		// The chain is verified in VerifyConnection, against the CA that
		// is current when the handshake runs.
		InsecureSkipVerify: true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if cert := c.rpc().cert; cert != nil {
				return cert, nil
			}
			return &tls.Certificate{}, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			return c.verifyServer(cs, dc)
		},
	}
	if s.cfg.VerifyServerHostname {
		cfg.ServerName = ServerHostname(dc, s.cfg.Domain)
	}
	return cfg
}

func (c *Configurator) verifyServer(cs tls.ConnectionState, dc string) error {
	s := c.rpc()
	if s.pool == nil {
		return errors.New("no CA to verify the server's certificate against; set tls.internal_rpc.ca_file")
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server presented no certificate")
	}
	opts := x509.VerifyOptions{
		Roots:         s.pool,
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, ic := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(ic)
	}
	if s.cfg.VerifyServerHostname {
		opts.DNSName = ServerHostname(dc, s.cfg.Domain)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return fmt.Errorf("server certificate refused: %w", err)
	}
	return nil
}
