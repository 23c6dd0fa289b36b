package rpc

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	ctls "github.com/concord-dev/concord/tls"
	"github.com/hashicorp/raft"
)

// certlessDialer dials with a configuration that presents no client
// certificate, as an auto_encrypt client does before it has one.
type certlessDialer struct{ c *ctls.Configurator }

func (d certlessDialer) RPCRequiresTLS() bool                    { return false }
func (d certlessDialer) IncomingRPCConfig() *tls.Config          { return nil }
func (d certlessDialer) VerifyIncomingRPC() bool                 { return false }
func (d certlessDialer) UseTLS() bool                            { return true }
func (d certlessDialer) OutgoingRPCConfig(dc string) *tls.Config { return d.c.AutoEncryptRPCConfig(dc) }

// allowTLSServer is a verify_incoming server Configurator with
// auto_encrypt.allow_tls.
func (p *testPKI) allowTLSServer(t *testing.T) *ctls.Configurator {
	t.Helper()
	c, k, err := ctls.GenerateCert(p.ca, p.caKey, ctls.CertOptions{Kind: ctls.KindServer, Datacenter: "dc1"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ctls.New(ctls.Config{CAFile: p.caFile, CertFile: p.write(t, "s.pem", c), KeyFile: p.write(t, "s-key.pem", k),
		CAKeyFile: p.write(t, "ca-key.pem", p.caKey), VerifyIncoming: true, VerifyOutgoing: true, VerifyServerHostname: true,
		AutoEncryptAllowTLS: true, Datacenter: "dc1", Domain: "consul."}, ctls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestCertlessConnectionMaySignOnly is the security boundary of
// auto_encrypt.allow_tls: a TLS connection without a client certificate
// reaches the handler for the sign call and for nothing else, and cannot
// speak Raft; a connection with a certificate may call everything.
func TestCertlessConnectionMaySignOnly(t *testing.T) {
	p := newTestPKI(t)
	srv := p.allowTLSServer(t)
	l, err := Listen("127.0.0.1:0", nil, nil, WithTLS(srv, "dc1"), AllowWithoutClientCert(catalog.MethodAutoEncryptSign))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var served []string
	calls := make(chan string, 16)
	l.SetHandler(HandlerFunc(func(ctx context.Context, method string, decode func(interface{}) error) (interface{}, error) {
		var a echoArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		calls <- method
		return &echoReply{Text: method}, nil
	}))
	addr := l.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	clientTLS, err := ctls.New(ctls.Config{CAFile: p.caFile, AutoEncrypt: true, Datacenter: "dc1", Domain: "consul."}, ctls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	certless := NewPool(WithTLS(certlessDialer{clientTLS}, "dc1"))
	defer certless.Close()

	var reply echoReply
	if err := certless.Call(ctx, addr, catalog.MethodAutoEncryptSign, &echoArgs{Text: "csr"}, &reply); err != nil || reply.Text != catalog.MethodAutoEncryptSign {
		t.Fatalf("sign call without a certificate: %+v, %v", reply, err)
	}
	for _, m := range []string{catalog.MethodStatusPing, catalog.MethodKVApply, catalog.MethodACLResolve, "AutoEncrypt.Other"} {
		err := certless.Call(ctx, addr, m, &echoArgs{Text: "x"}, &reply)
		if err == nil || IsTransport(err) || !strings.Contains(err.Error(), "no client certificate") {
			t.Errorf("%s without a certificate: want a refusal naming the missing certificate, got %v", m, err)
		}
	}
	// The handler saw the sign call only.
	for len(calls) > 0 {
		served = append(served, <-calls)
	}
	if len(served) != 1 || served[0] != catalog.MethodAutoEncryptSign {
		t.Fatalf("handler served %v", served)
	}

	// Raft over a certless connection is closed, never handed to Raft.
	accepted := make(chan struct{})
	go func() {
		if c, err := l.RaftLayer().Accept(); err == nil {
			c.Close()
			close(accepted)
		}
	}()
	raftDialer := newRaftLayer(l.Addr(), make(chan struct{}), buildOptions([]Option{WithTLS(certlessDialer{clientTLS}, "dc1")}))
	if conn, err := raftDialer.Dial(raft.ServerAddress(addr), 5*time.Second); err == nil {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var one [1]byte
		if _, err := conn.Read(one[:]); err == nil {
			t.Fatal("a certless Raft connection stayed open")
		}
		conn.Close()
	}
	select {
	case <-accepted:
		t.Fatal("a certless Raft connection reached Raft")
	case <-time.After(100 * time.Millisecond):
	}

	// With the certificate the servers sign, everything is allowed.
	csr, key, err := ctls.GenerateCSR("dc1", "consul", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _, _, err := srv.SignClientCSR(csr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clientTLS.SetAutoCertificate(certPEM, key); err != nil {
		t.Fatal(err)
	}
	withCert := NewPool(WithTLS(clientTLS, "dc1"))
	defer withCert.Close()
	if err := withCert.Call(ctx, addr, catalog.MethodStatusPing, &echoArgs{Text: "x"}, &reply); err != nil {
		t.Fatalf("a call with the signed certificate: %v", err)
	}

	// Plaintext is still refused.
	plain := NewPool()
	defer plain.Close()
	if err := plain.Call(ctx, addr, catalog.MethodAutoEncryptSign, &echoArgs{}, &reply); !IsTransport(err) {
		t.Fatalf("plaintext sign call: want a transport error, got %v", err)
	}
}

// TestCertlessConnectionRefusedWithoutAllowedMethods: a listener that
// names no method allowed without a certificate closes such connections,
// even if its TLS configuration let the handshake through.
func TestCertlessConnectionRefusedWithoutAllowedMethods(t *testing.T) {
	p := newTestPKI(t)
	srv := p.allowTLSServer(t)
	l := startTLSEcho(t, srv)
	clientTLS, err := ctls.New(ctls.Config{CAFile: p.caFile, AutoEncrypt: true, Datacenter: "dc1", Domain: "consul."}, ctls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	certless := NewPool(WithTLS(certlessDialer{clientTLS}, "dc1"))
	defer certless.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var reply echoReply
	if err := certless.Call(ctx, l.Addr().String(), catalog.MethodAutoEncryptSign, &echoArgs{Text: "x"}, &reply); err == nil {
		t.Fatal("a certless connection was served by a listener that allows no method without a certificate")
	}
}
