package rpc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// TLS is what the server port needs from a TLS configurator
// (github.com/concord-dev/concord/tls.Configurator has these methods).
// Its methods are called for every connection, so a reload takes effect
// for the next one.
type TLS interface {
	// RPCRequiresTLS reports whether the listener refuses plaintext.
	RPCRequiresTLS() bool
	// IncomingRPCConfig is the server side of a handshake.
	IncomingRPCConfig() *tls.Config
	// VerifyIncomingRPC reports whether peers must present a verified
	// certificate. A TLS connection that completes without one anyway
	// (auto_encrypt.allow_tls) may call only the methods
	// AllowWithoutClientCert names.
	VerifyIncomingRPC() bool
	// UseTLS reports whether dialers must use TLS.
	UseTLS() bool
	// OutgoingRPCConfig is the client side of a handshake with a server
	// of datacenter dc.
	OutgoingRPCConfig(dc string) *tls.Config
}

// Option configures a Listener or a Pool.
type Option func(*options)

type options struct {
	tls TLS    // nil: plaintext only
	dc  string // the datacenter dialed servers belong to
	// certless are the methods a connection without a verified client
	// certificate may call when TLS requires one.
	certless map[string]bool
	// dial opens a Pool's connections; nil dials TCP.
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

// WithDialer makes a Pool open its TCP connections with dial instead of
// net.Dialer: the hook tests use to cut a datacenter off (wan.Faults).
func WithDialer(dial func(ctx context.Context, addr string) (net.Conn, error)) Option {
	return func(o *options) { o.dial = dial }
}

// WithTLS secures connections with t: a Listener refuses plaintext when t
// requires TLS, and dialers (a Pool's, the Raft layer's) wrap their
// connections when t says to use TLS, expecting servers of datacenter dc.
func WithTLS(t TLS, dc string) Option {
	return func(o *options) { o.tls, o.dc = t, dc }
}

// AllowWithoutClientCert names the RPC methods a Listener serves on a TLS
// connection whose peer presented no certificate although
// VerifyIncomingRPC requires one. Every other method, and Raft, is refused
// on such a connection. It exists for auto_encrypt: a client agent that
// has only the CA asks for its certificate (catalog.MethodAutoEncryptSign)
// before it can present one.
func AllowWithoutClientCert(methods ...string) Option {
	return func(o *options) {
		if o.certless == nil {
			o.certless = map[string]bool{}
		}
		for _, m := range methods {
			o.certless[m] = true
		}
	}
}

func buildOptions(opts []Option) *options {
	o := &options{}
	for _, f := range opts {
		f(o)
	}
	return o
}

// startProtocol writes a connection's opening: the protocol byte, or, when
// TLS is in use, ProtoTLS, the handshake, and the protocol byte inside
// TLS. It returns the connection to use from then on.
func (o *options) startProtocol(ctx context.Context, conn net.Conn, proto byte) (net.Conn, error) {
	if o.tls == nil || !o.tls.UseTLS() {
		if _, err := conn.Write([]byte{proto}); err != nil {
			return nil, err
		}
		return conn, nil
	}
	if _, err := conn.Write([]byte{ProtoTLS}); err != nil {
		return nil, err
	}
	tc := tls.Client(conn, o.tls.OutgoingRPCConfig(o.dc))
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w", conn.RemoteAddr(), err)
	}
	if _, err := tc.Write([]byte{proto}); err != nil {
		return nil, err
	}
	return tc, nil
}

var errPlaintextRefused = errors.New("plaintext connection refused: the server port requires TLS")

// acceptProtocol reads an accepted connection's opening and returns the
// connection to serve (inside TLS when it started with ProtoTLS), its
// protocol byte, and whether its peer lacks the verified certificate
// verify_incoming requires (see AllowWithoutClientCert). Plaintext is
// refused when TLS is required.
func (o *options) acceptProtocol(conn net.Conn) (_ net.Conn, _ byte, unverified bool, _ error) {
	conn.SetReadDeadline(time.Now().Add(firstByteTimeout))
	b, err := readByte(conn)
	if err != nil {
		return nil, 0, false, err
	}
	if b != ProtoTLS {
		if o.tls != nil && o.tls.RPCRequiresTLS() {
			return nil, b, false, errPlaintextRefused
		}
		conn.SetReadDeadline(time.Time{})
		return conn, b, false, nil
	}
	if o.tls == nil {
		return nil, b, false, errors.New("TLS connection refused: TLS is not configured for the server port")
	}
	// The handshake and the protocol byte inside it share the deadline.
	conn.SetDeadline(time.Now().Add(firstByteTimeout))
	tc := tls.Server(conn, o.tls.IncomingRPCConfig())
	if err := tc.Handshake(); err != nil {
		return nil, b, false, fmt.Errorf("TLS handshake: %w", err)
	}
	// Read after the handshake: a reload between the two must not turn a
	// connection that verify_incoming did not check into a trusted one.
	unverified = o.tls.VerifyIncomingRPC() && len(tc.ConnectionState().VerifiedChains) == 0
	if b, err = readByte(tc); err != nil {
		return nil, 0, false, fmt.Errorf("TLS connection closed before its protocol byte: %w", err)
	}
	conn.SetDeadline(time.Time{})
	return tc, b, unverified, nil
}

func readByte(c net.Conn) (byte, error) {
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}
