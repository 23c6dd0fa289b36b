package tls

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pki is a CA and certificates written to a temporary directory.
type pki struct {
	dir       string
	ca, caKey string // PEM
	caFile    string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	var err error
	p.ca, p.caKey, err = GenerateCA(CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.caFile = p.write(t, "ca.pem", p.ca)
	return p
}

func (p *pki) write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cert makes a certificate named name and returns its files.
func (p *pki) cert(t *testing.T, name string, o CertOptions) (string, string) {
	t.Helper()
	c, k, err := GenerateCert(p.ca, p.caKey, o)
	if err != nil {
		t.Fatal(err)
	}
	return p.write(t, name+".pem", c), p.write(t, name+"-key.pem", k)
}

// pipe is a connected pair of loopback TCP connections (net.Pipe has no
// buffer, so a TLS alert written while the peer writes would block).
func pipe(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	deadline := time.Now().Add(5 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)
	return client, server
}

// handshake runs a TLS handshake between the two configurations and
// exchanges one byte each way (TLS 1.3 reports a refused client
// certificate on the first read); it returns each side's error.
func handshake(t *testing.T, client, server *tls.Config) (clientErr, serverErr error) {
	a, b := pipe(t)
	done := make(chan error, 1)
	go func() {
		s := tls.Server(b, server)
		err := s.Handshake()
		if err == nil {
			var one [1]byte
			if _, err = s.Read(one[:]); err == nil {
				_, err = s.Write(one[:])
			}
		}
		b.Close()
		done <- err
	}()
	c := tls.Client(a, client)
	clientErr = c.Handshake()
	if clientErr == nil {
		var one [1]byte
		if _, clientErr = c.Write([]byte{1}); clientErr == nil {
			_, clientErr = c.Read(one[:])
		}
	}
	a.Close()
	return clientErr, <-done
}

func mustNew(t *testing.T, rpc Config) *Configurator {
	t.Helper()
	c, err := New(rpc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGeneratedCertificatesVerify(t *testing.T) {
	p := newPKI(t)
	block, _ := pem.Decode([]byte(p.ca))
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || !strings.HasPrefix(ca.Subject.CommonName, "Consul Agent CA ") {
		t.Fatalf("CA: IsCA %v, CN %q", ca.IsCA, ca.Subject.CommonName)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	tests := []struct {
		kind  Kind
		names []string
		usage x509.ExtKeyUsage
	}{
		{KindServer, []string{"server.dc1.consul", "localhost", "extra.example"}, x509.ExtKeyUsageServerAuth},
		{KindClient, []string{"client.dc1.consul", "localhost"}, x509.ExtKeyUsageClientAuth},
		{KindCLI, []string{"cli.dc1.consul", "localhost"}, x509.ExtKeyUsageClientAuth},
	}
	for _, tt := range tests {
		c, _, err := GenerateCert(p.ca, p.caKey, CertOptions{Kind: tt.kind, DNSNames: []string{"extra.example"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode([]byte(c))
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range tt.names {
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{tt.usage}}); err != nil {
				t.Errorf("%s certificate for %s: %v", tt.kind, name, err)
			}
		}
		if tt.kind != KindCLI && (len(cert.IPAddresses) != 1 || !cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1))) {
			t.Errorf("%s certificate IPs %v", tt.kind, cert.IPAddresses)
		}
	}
}

func TestNameConstraintRefusesOtherDomains(t *testing.T) {
	ca, key, err := GenerateCA(CAOptions{Domain: "consul.", NameConstraint: true})
	if err != nil {
		t.Fatal(err)
	}
	// Signing works; verification refuses.
	c, _, err := GenerateCert(ca, key, CertOptions{Kind: KindServer, DNSNames: []string{"evil.example"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(c))
	cert, _ := x509.ParseCertificate(b.Bytes)
	cb, _ := pem.Decode([]byte(ca))
	caCert, _ := x509.ParseCertificate(cb.Bytes)
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "server.dc1.consul"}); err == nil {
		t.Fatal("a certificate naming a domain outside the constraint verified")
	}
}

func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	sc, sk := p.cert(t, "server", CertOptions{Kind: KindServer})
	cc, ck := p.cert(t, "client", CertOptions{Kind: KindClient})
	server := mustNew(t, Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk, VerifyIncoming: true, VerifyOutgoing: true, VerifyServerHostname: true, Datacenter: "dc1", Domain: "consul."})
	client := mustNew(t, Config{CAFile: p.caFile, CertFile: cc, KeyFile: ck, VerifyOutgoing: true, VerifyServerHostname: true, Datacenter: "dc1", Domain: "consul."})
	if !server.RPCRequiresTLS() || !client.UseTLS() {
		t.Fatal("TLS should be on")
	}
	if ce, se := handshake(t, client.OutgoingRPCConfig("dc1"), server.IncomingRPCConfig()); ce != nil || se != nil {
		t.Fatalf("client %v, server %v", ce, se)
	}

	// Without a certificate the server refuses the client.
	anon := mustNew(t, Config{CAFile: p.caFile, VerifyOutgoing: true})
	if _, se := handshake(t, anon.OutgoingRPCConfig("dc1"), server.IncomingRPCConfig()); se == nil {
		t.Fatal("server accepted a client without a certificate")
	}
	// Without verify_incoming it is accepted.
	lax := mustNew(t, Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk})
	if ce, se := handshake(t, anon.OutgoingRPCConfig("dc1"), lax.IncomingRPCConfig()); ce != nil || se != nil {
		t.Fatalf("client %v, server %v", ce, se)
	}
}

func TestVerifyServerHostnameRefusesWrongCertificates(t *testing.T) {
	p := newPKI(t)
	cc, ck := p.cert(t, "client", CertOptions{Kind: KindClient})
	dc2c, dc2k := p.cert(t, "dc2", CertOptions{Kind: KindServer, Datacenter: "dc2"})
	client := mustNew(t, Config{CAFile: p.caFile, CertFile: cc, KeyFile: ck, VerifyServerHostname: true, Domain: "consul."})
	if !client.UseTLS() {
		t.Fatal("verify_server_hostname must imply verify_outgoing")
	}
	for name, files := range map[string][2]string{"client certificate": {cc, ck}, "dc2 server certificate": {dc2c, dc2k}} {
		srv := mustNew(t, Config{CAFile: p.caFile, CertFile: files[0], KeyFile: files[1]})
		ce, _ := handshake(t, client.OutgoingRPCConfig("dc1"), srv.IncomingRPCConfig())
		if ce == nil || !strings.Contains(ce.Error(), "server.dc1.consul") {
			t.Errorf("%s: want a refusal naming server.dc1.consul, got %v", name, ce)
		}
	}
	// The dc2 certificate is fine for dc2, and without the hostname check
	// the chain alone decides.
	srv := mustNew(t, Config{CAFile: p.caFile, CertFile: dc2c, KeyFile: dc2k})
	if ce, _ := handshake(t, client.OutgoingRPCConfig("dc2"), srv.IncomingRPCConfig()); ce != nil {
		t.Fatalf("dc2 server to a dc2 dial: %v", ce)
	}
	chainOnly := mustNew(t, Config{CAFile: p.caFile, VerifyOutgoing: true})
	if ce, _ := handshake(t, chainOnly.OutgoingRPCConfig("dc1"), srv.IncomingRPCConfig()); ce != nil {
		t.Fatalf("chain only: %v", ce)
	}
	// A certificate from another CA is refused even then.
	other := newPKI(t)
	oc, ok := other.cert(t, "server", CertOptions{Kind: KindServer})
	foreign := mustNew(t, Config{CAFile: other.caFile, CertFile: oc, KeyFile: ok})
	if ce, _ := handshake(t, chainOnly.OutgoingRPCConfig("dc1"), foreign.IncomingRPCConfig()); ce == nil {
		t.Fatal("a server certificate from another CA was accepted")
	}
}

func TestMinVersion(t *testing.T) {
	p := newPKI(t)
	sc, sk := p.cert(t, "server", CertOptions{Kind: KindServer})
	srv13 := mustNew(t, Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk, MinVersion: "TLSv1_3"})
	cli := mustNew(t, Config{CAFile: p.caFile, VerifyOutgoing: true})
	old := cli.OutgoingRPCConfig("dc1")
	old.MaxVersion = tls.VersionTLS12
	if _, se := handshake(t, old, srv13.IncomingRPCConfig()); se == nil {
		t.Fatal("a TLS 1.3 minimum accepted a TLS 1.2 client")
	}
	if ce, se := handshake(t, cli.OutgoingRPCConfig("dc1"), srv13.IncomingRPCConfig()); ce != nil || se != nil {
		t.Fatalf("client %v, server %v", ce, se)
	}
	for _, v := range []string{"", "tls12", "TLSv1_2", "tls13", "TLSv1_3"} {
		if _, err := ParseMinVersion(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range []string{"tls11", "TLSv1_0", "ssl3"} {
		if _, err := ParseMinVersion(v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{CertFile: "c.pem"}, "cert_file and key_file must be set together"},
		{Config{VerifyIncoming: true, CertFile: "c", KeyFile: "k"}, "verify_incoming needs a CA"},
		{Config{VerifyOutgoing: true}, "need a CA to verify against; set ca_file or ca_path"},
		{Config{VerifyServerHostname: true}, "need a CA"},
		{Config{MinVersion: "tls10"}, "TLS 1.0 and 1.1 are insecure"},
		{Config{CAFile: "/nonexistent/ca.pem"}, "read CA"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg, Config{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: want %q, got %v", tt.cfg, tt.want, err)
		}
	}
}

func TestReloadSwapsCertificateForNewHandshakes(t *testing.T) {
	p := newPKI(t)
	sc, sk := p.cert(t, "server", CertOptions{Kind: KindServer})
	cfg := Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk}
	srv := mustNew(t, cfg)
	incoming := srv.IncomingRPCConfig() // taken once, as a listener does

	serial := func() string {
		t.Helper()
		a, b := pipe(t)
		go tls.Server(b, incoming).Handshake()
		c := tls.Client(a, &tls.Config{InsecureSkipVerify: true})
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial()
	// Replace the files in place, as a certificate rotation does.
	c2, k2, err := GenerateCert(p.ca, p.caKey, CertOptions{Kind: KindServer})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(sc, []byte(c2), 0o600)
	os.WriteFile(sk, []byte(k2), 0o600)
	if serial() != before {
		t.Fatal("certificate changed before Reload")
	}
	if err := srv.Reload(cfg, Config{}); err != nil {
		t.Fatal(err)
	}
	if after := serial(); after == before {
		t.Fatal("Reload did not switch the certificate")
	}
	// A failed reload keeps the running certificates.
	os.WriteFile(sk, []byte("garbage"), 0o600)
	if err := srv.Reload(cfg, Config{}); err == nil {
		t.Fatal("reload of a broken key succeeded")
	}
	if !srv.RPCRequiresTLS() {
		t.Fatal("failed reload dropped TLS")
	}
}

func TestCertFileNames(t *testing.T) {
	dir := t.TempDir()
	c, k := CAFileNames("consul.")
	if c != "consul-agent-ca.pem" || k != "consul-agent-ca-key.pem" {
		t.Fatal(c, k)
	}
	c, k = NextCertFileNames(dir, KindServer, "dc1", "consul")
	if c != "dc1-server-consul-0.pem" || k != "dc1-server-consul-0-key.pem" {
		t.Fatal(c, k)
	}
	os.WriteFile(filepath.Join(dir, c), nil, 0o600)
	if c, _ = NextCertFileNames(dir, KindServer, "dc1", "consul"); c != "dc1-server-consul-1.pem" {
		t.Fatal(c)
	}
	if c, _ = NextCertFileNames(dir, KindCLI, "dc1", "consul"); c != "dc1-cli-consul-0.pem" {
		t.Fatal(c)
	}
}
