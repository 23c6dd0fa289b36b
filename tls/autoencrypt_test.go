package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"strings"
	"testing"
	"time"
)

// signingServer is a server Configurator holding the CA key, with
// verify_incoming and auto_encrypt.allow_tls.
func signingServer(t *testing.T, p *pki) *Configurator {
	t.Helper()
	sc, sk := p.cert(t, "server", CertOptions{Kind: KindServer})
	return mustNew(t, Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk, CAKeyFile: p.write(t, "ca-key.pem", p.caKey),
		VerifyIncoming: true, VerifyOutgoing: true, VerifyServerHostname: true, AutoEncryptAllowTLS: true,
		Datacenter: "dc1", Domain: "consul."})
}

func parseCertPEM(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignClientCSR(t *testing.T) {
	p := newPKI(t)
	srv := signingServer(t, p)
	csr, key, err := GenerateCSR("dc1", "consul.", []string{"node1.example.com"}, []net.IP{net.ParseIP("10.0.0.5")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(csr, "PRIVATE KEY") || !strings.Contains(key, "PRIVATE KEY") {
		t.Fatal("the request must carry no key")
	}
	certPEM, cas, notAfter, err := srv.SignClientCSR(csr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(cas) != 1 || cas[0] != p.ca {
		t.Fatalf("CA PEMs %q", cas)
	}
	cert := parseCertPEM(t, certPEM)
	if d := time.Until(notAfter); d < 59*time.Minute || d > time.Hour || cert.NotAfter.Sub(notAfter).Abs() > time.Second {
		t.Fatalf("expiry %v (certificate %v)", notAfter, cert.NotAfter)
	}
	roots := x509.NewCertPool()
	roots.AddCert(parseCertPEM(t, p.ca))
	for _, name := range []string{"client.dc1.consul", "localhost", "node1.example.com", "10.0.0.5", "127.0.0.1"} {
		opts := x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		if _, err := cert.Verify(opts); err != nil {
			t.Errorf("client certificate for %s: %v", name, err)
		}
	}
	// It can never pass for a server.
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Fatal("a signed client certificate verified for server authentication")
	}
	if _, err := tls.X509KeyPair([]byte(certPEM), []byte(key)); err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	// The default validity is Consul's 72 hours.
	_, _, notAfter, err = srv.SignClientCSR(csr, 0)
	if err != nil || time.Until(notAfter) < 71*time.Hour {
		t.Fatalf("default validity: %v, %v", notAfter, err)
	}
}

func TestSignClientCSRRefusals(t *testing.T) {
	p := newPKI(t)
	srv := signingServer(t, p)
	csrFor := func(dns ...string) string {
		t.Helper()
		csr, _, err := GenerateCSR("dc1", "consul", dns, nil)
		if err != nil {
			t.Fatal(err)
		}
		return csr
	}
	tests := []struct {
		name, csr, want string
	}{
		{"server name", csrFor("server.dc1.consul"), "inside the cluster's domain"},
		{"server name of a node", csrFor("s1.server.dc1.consul"), "inside the cluster's domain"},
		{"another datacenter's server", csrFor("SERVER.dc2.consul."), "inside the cluster's domain"},
		{"wildcard", csrFor("*.dc1.consul"), "not a DNS name"},
		{"not PEM", "hello", "not PEM"},
	}
	// A request whose signature does not match its content.
	good := csrFor()
	b, _ := pem.Decode([]byte(good))
	der := append([]byte(nil), b.Bytes...)
	der[len(der)-5] ^= 0xff
	tests = append(tests, struct{ name, csr, want string }{"bad signature", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), "certificate signing request"})
	// A weak key.
	weak, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	wder, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, weak)
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct{ name, csr, want string }{"weak curve", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: wder})), "curve"})
	for _, tt := range tests {
		_, _, _, err := srv.SignClientCSR(tt.csr, time.Hour)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: want an error with %q, got %v", tt.name, tt.want, err)
		}
	}

	// Without the CA key nothing is signed.
	sc, sk := p.cert(t, "plain", CertOptions{Kind: KindServer})
	plain := mustNew(t, Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk})
	if _, _, _, err := plain.SignClientCSR(good, time.Hour); err == nil || !strings.Contains(err.Error(), "ca_key_file") {
		t.Fatalf("signing without a CA key: %v", err)
	}
}

func TestCAKeyMustMatchACA(t *testing.T) {
	p := newPKI(t)
	_, otherKey, err := GenerateCA(CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, sk := p.cert(t, "server", CertOptions{Kind: KindServer})
	_, err = New(Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk, CAKeyFile: p.write(t, "other-key.pem", otherKey),
		VerifyIncoming: true, AutoEncryptAllowTLS: true}, Config{})
	if err == nil || !strings.Contains(err.Error(), "not the key of any CA certificate") {
		t.Fatalf("a CA key that matches no CA certificate: %v", err)
	}
	_, err = New(Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk, VerifyIncoming: true, AutoEncryptAllowTLS: true}, Config{})
	if err == nil || !strings.Contains(err.Error(), "ca_key_file") {
		t.Fatalf("allow_tls without a CA key: %v", err)
	}
}

// TestAutoEncryptHandshakes: a client with only the CA completes the
// handshake with an allow_tls server (unverified, for the RPC layer to
// restrict), installs the certificate it is given, and from then on
// presents it and is verified.
func TestAutoEncryptHandshakes(t *testing.T) {
	p := newPKI(t)
	srv := signingServer(t, p)
	cli := mustNew(t, Config{CAFile: p.caFile, AutoEncrypt: true, VerifyIncoming: true, Datacenter: "dc1", Domain: "consul."})
	if !cli.UseTLS() || cli.HasRPCCertificate() || !srv.VerifyIncomingRPC() {
		t.Fatal("auto_encrypt client: dial TLS, no certificate yet; server: verify_incoming")
	}

	// probe runs a handshake with the server and records what the server
	// saw of the client.
	var state tls.ConnectionState
	probe := func(client *tls.Config) (error, error) {
		inner, err := srv.IncomingRPCConfig().GetConfigForClient(nil)
		if err != nil {
			t.Fatal(err)
		}
		inner = inner.Clone()
		inner.VerifyConnection = func(cs tls.ConnectionState) error { state = cs; return nil }
		return handshake(t, client, inner)
	}
	if ce, se := probe(cli.AutoEncryptRPCConfig("dc1")); ce != nil || se != nil {
		t.Fatalf("certless handshake with allow_tls: client %v, server %v", ce, se)
	}
	if len(state.VerifiedChains) != 0 {
		t.Fatal("a certless connection reported a verified peer")
	}
	// Without allow_tls the same server refuses it.
	sc, sk := p.cert(t, "strict", CertOptions{Kind: KindServer})
	strict := mustNew(t, Config{CAFile: p.caFile, CertFile: sc, KeyFile: sk, VerifyIncoming: true})
	if _, se := handshake(t, cli.AutoEncryptRPCConfig("dc1"), strict.IncomingRPCConfig()); se == nil {
		t.Fatal("a verify_incoming server without allow_tls accepted a certless client")
	}
	// The sign call checks the server's name even without
	// verify_server_hostname: a client certificate cannot pose as a server.
	cc, ck := p.cert(t, "impostor", CertOptions{Kind: KindClient})
	impostor := mustNew(t, Config{CAFile: p.caFile, CertFile: cc, KeyFile: ck})
	if ce, _ := handshake(t, cli.AutoEncryptRPCConfig("dc1"), impostor.IncomingRPCConfig()); ce == nil {
		t.Fatal("the sign call accepted a server without server.dc1.consul")
	}

	csr, key, err := GenerateCSR("dc1", "consul", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _, _, err := srv.SignClientCSR(csr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// A certificate from another CA, or for another key, is refused.
	otherCA, otherKey, _ := GenerateCA(CAOptions{})
	foreign, foreignKey, _ := GenerateCert(otherCA, otherKey, CertOptions{Kind: KindClient})
	if _, err := cli.SetAutoCertificate(foreign, foreignKey); err == nil {
		t.Fatal("installed a certificate from another CA")
	}
	_, wrongKey, _ := GenerateCSR("dc1", "consul", nil, nil)
	if _, err := cli.SetAutoCertificate(certPEM, wrongKey); err == nil {
		t.Fatal("installed a certificate with a key that is not its own")
	}
	notAfter, err := cli.SetAutoCertificate(certPEM, key)
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(notAfter) < 59*time.Minute || !cli.HasRPCCertificate() {
		t.Fatalf("expiry %v", notAfter)
	}
	// A reload keeps the certificate.
	if err := cli.Reload(Config{CAFile: p.caFile, AutoEncrypt: true, Datacenter: "dc1", Domain: "consul."}, Config{}); err != nil {
		t.Fatal(err)
	}
	if ce, se := probe(cli.OutgoingRPCConfig("dc1")); ce != nil || se != nil {
		t.Fatalf("handshake with the signed certificate: client %v, server %v", ce, se)
	}
	if len(state.VerifiedChains) == 0 {
		t.Fatal("the signed certificate was not verified by the server")
	}
}
