package tls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Configurator hands out crypto/tls configurations for the server port and
// the HTTPS API. Every handshake reads the current certificates and
// settings through one atomic pointer, so Reload takes effect for new
// handshakes while established connections keep what they negotiated.
// Its methods are safe for concurrent use.
type Configurator struct {
	cur atomic.Pointer[state]
	mu  sync.Mutex // serializes the writers of cur (Reload, SetAutoCertificate)
}

// state is one loaded configuration; it is never changed once published.
type state struct {
	rpc, https *scope
	// auto is the certificate the servers signed for this agent
	// (auto_encrypt.tls); it survives reloads.
	auto *tls.Certificate
}

// scope is one Config with its files read.
type scope struct {
	cfg    Config
	cert   *tls.Certificate // nil without cert_file
	pool   *x509.CertPool   // nil without a CA
	min    uint16
	server *tls.Config // the server side of a handshake; nil without cert
	signer *caSigner   // internal_rpc with ca_key_file; nil otherwise
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
	c.mu.Lock()
	defer c.mu.Unlock()
	next := &state{rpc: r, https: h}
	if old := c.cur.Load(); old != nil {
		next.auto = old.auto
	}
	c.cur.Store(next)
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
	var cas []*x509.Certificate
	if s.pool, cas, err = loadCAs(cfg.CAFile, cfg.CAPath); err != nil {
		return nil, fmt.Errorf("tls.%s: %w", name, err)
	}
	if cfg.CAKeyFile != "" {
		if s.signer, err = loadSigner(cfg.CAKeyFile, cas); err != nil {
			return nil, fmt.Errorf("tls.%s: %w", name, err)
		}
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
		case cfg.VerifyIncoming && cfg.AutoEncryptAllowTLS:
			// A client without a certificate may finish the handshake
			// to ask for one; a certificate it does present is still
			// verified. The RPC layer restricts such connections.
			s.server.ClientAuth = tls.VerifyClientCertIfGiven
		case cfg.VerifyIncoming:
			s.server.ClientAuth = tls.RequireAndVerifyClientCert
		case s.pool != nil:
			s.server.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return s, nil
}

func (c *Configurator) rpc() *scope { return c.cur.Load().rpc }

// rpcCert is the certificate this agent presents on the server port: its
// cert_file's, else the one the servers signed for it, else nil.
func (c *Configurator) rpcCert() *tls.Certificate {
	st := c.cur.Load()
	if st.rpc.cert != nil {
		return st.rpc.cert
	}
	return st.auto
}
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
	return s.cfg.VerifyOutgoing || s.cfg.AutoEncrypt || (s.cert != nil && s.pool != nil)
}

// VerifyIncomingRPC reports whether the server port requires client
// certificates (internal_rpc verify_incoming). With
// auto_encrypt.allow_tls a handshake without one still completes, and the
// RPC layer must then allow that connection only the signing call.
func (c *Configurator) VerifyIncomingRPC() bool { return c.rpc().cfg.VerifyIncoming }

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
			if cert := c.rpcCert(); cert != nil {
				return cert, nil
			}
			return &tls.Certificate{}, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			return c.verifyServer(cs, dc, c.rpc().cfg.VerifyServerHostname)
		},
	}
	if s.cfg.VerifyServerHostname {
		cfg.ServerName = ServerHostname(dc, s.cfg.Domain)
	}
	return cfg
}

// AutoEncryptRPCConfig is the client side of the connection on which a
// client agent asks a server of datacenter dc to sign its certificate
// (auto_encrypt.tls). It presents no certificate, and the server's must
// chain to the CA and be valid for server.<dc>.<domain> whatever
// verify_server_hostname says: the request carries the agent's ACL token,
// which only a server may see.
func (c *Configurator) AutoEncryptRPCConfig(dc string) *tls.Config {
	s := c.rpc()
	return &tls.Config{
		MinVersion:         s.min,
		ServerName:         ServerHostname(dc, s.cfg.Domain),
		InsecureSkipVerify: true, // verified in VerifyConnection, as above
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &tls.Certificate{}, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			return c.verifyServer(cs, dc, true)
		},
	}
}

func (c *Configurator) verifyServer(cs tls.ConnectionState, dc string, checkName bool) error {
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
	if checkName {
		opts.DNSName = ServerHostname(dc, s.cfg.Domain)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return fmt.Errorf("server certificate refused: %w", err)
	}
	return nil
}

// SetAutoCertificate installs the certificate the servers signed for this
// agent (auto_encrypt.tls) and its key, PEM, for new handshakes. The
// certificate must match the key, be for client authentication and chain
// to the CA this agent trusts; otherwise nothing changes. It returns the
// certificate's expiry.
func (c *Configurator) SetAutoCertificate(certPEM, keyPEM string) (time.Time, error) {
	cert, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return time.Time{}, fmt.Errorf("signed certificate: %w", err)
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return time.Time{}, fmt.Errorf("signed certificate: %w", err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.cur.Load()
	if old.rpc.pool == nil {
		return time.Time{}, errors.New("signed certificate: no CA to verify it against; set tls.internal_rpc.ca_file")
	}
	opts := x509.VerifyOptions{Roots: old.rpc.pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := leaf.Verify(opts); err != nil {
		return time.Time{}, fmt.Errorf("signed certificate refused: %w", err)
	}
	next := *old
	next.auto = &cert
	c.cur.Store(&next)
	return leaf.NotAfter, nil
}

// HasRPCCertificate reports whether this agent has a certificate to
// present on the server port, from a file or from the servers.
func (c *Configurator) HasRPCCertificate() bool { return c.rpcCert() != nil }

// CanSign reports whether this agent holds the CA key
// (tls.internal_rpc.ca_key_file) and can sign client certificates.
func (c *Configurator) CanSign() bool { return c.rpc().signer != nil }

// SignClientCSR signs a client agent's certificate signing request (PEM)
// for this agent's datacenter, valid for ttl (AutoEncryptCertTTL when 0),
// and returns the certificate, the CA certificates this agent trusts and
// the expiry. See signClient for what is granted.
func (c *Configurator) SignClientCSR(csrPEM string, ttl time.Duration) (certPEM string, caPEMs []string, notAfter time.Time, err error) {
	s := c.rpc()
	if s.signer == nil {
		return "", nil, time.Time{}, errors.New("this server has no CA key to sign with; set tls.internal_rpc.ca_key_file")
	}
	if ttl <= 0 {
		ttl = AutoEncryptCertTTL
	}
	certPEM, notAfter, err = s.signer.signClient(csrPEM, s.cfg.Datacenter, s.cfg.Domain, ttl)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	return certPEM, append([]string(nil), s.signer.caPEMs...), notAfter, nil
}
