package rpc

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	ctls "github.com/concord-dev/concord/tls"
	"github.com/hashicorp/raft"
)

// testPKI is a CA with certificates in a temporary directory.
type testPKI struct {
	dir, ca, caKey, caFile string
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	ca, key, err := ctls.GenerateCA(ctls.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{dir: t.TempDir(), ca: ca, caKey: key}
	p.caFile = p.write(t, "ca.pem", ca)
	return p
}

func (p *testPKI) write(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// configurator builds a Configurator whose internal_rpc scope has a
// certificate of kind for dc (none when kind is ""), verifying everything.
func (p *testPKI) configurator(t testing.TB, kind ctls.Kind, dc string) *ctls.Configurator {
	t.Helper()
	cfg := ctls.Config{CAFile: p.caFile, VerifyOutgoing: true, VerifyServerHostname: true, Datacenter: "dc1", Domain: "consul."}
	if kind != "" {
		c, k, err := ctls.GenerateCert(p.ca, p.caKey, ctls.CertOptions{Kind: kind, Datacenter: dc})
		if err != nil {
			t.Fatal(err)
		}
		name := string(kind) + "-" + dc
		cfg.CertFile = p.write(t, name+".pem", c)
		cfg.KeyFile = p.write(t, name+"-key.pem", k)
		cfg.VerifyIncoming = true
	}
	c, err := ctls.New(cfg, ctls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startTLSEcho is startEcho's server behind TLS t.
func startTLSEcho(t *testing.T, tlsc TLS) *Listener {
	t.Helper()
	l, err := Listen("127.0.0.1:0", nil, nil, WithTLS(tlsc, "dc1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.SetHandler(HandlerFunc(func(ctx context.Context, method string, decode func(interface{}) error) (interface{}, error) {
		var a echoArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		return &echoReply{Text: a.Text}, nil
	}))
	return l
}

func callEcho(p *Pool, addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var r echoReply
	if err := p.Call(ctx, addr, "Echo", &echoArgs{Text: "hi"}, &r); err != nil {
		return err
	}
	if r.Text != "hi" {
		return errors.New("wrong reply " + r.Text)
	}
	return nil
}

func TestMutualTLSCall(t *testing.T) {
	pki := newTestPKI(t)
	l := startTLSEcho(t, pki.configurator(t, ctls.KindServer, "dc1"))
	// A client agent's certificate is enough to call a server.
	p := NewPool(WithTLS(pki.configurator(t, ctls.KindClient, "dc1"), "dc1"))
	defer p.Close()
	if err := callEcho(p, l.Addr().String()); err != nil {
		t.Fatal(err)
	}
}

func TestPlaintextRefusedByTLSListener(t *testing.T) {
	pki := newTestPKI(t)
	l := startTLSEcho(t, pki.configurator(t, ctls.KindServer, "dc1"))
	p := NewPool()
	defer p.Close()
	if err := callEcho(p, l.Addr().String()); !IsTransport(err) {
		t.Fatalf("plaintext call: want a transport error, got %v", err)
	}
	for _, proto := range []byte{ProtoRPC, ProtoRaft} {
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte{proto, 0, 0, 0})
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Errorf("protocol %d in plaintext: want the connection closed, got %v", proto, err)
		}
		conn.Close()
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func TestClientWithoutCertificateRefused(t *testing.T) {
	pki := newTestPKI(t)
	l := startTLSEcho(t, pki.configurator(t, ctls.KindServer, "dc1"))
	p := NewPool(WithTLS(pki.configurator(t, "", ""), "dc1"))
	defer p.Close()
	if err := callEcho(p, l.Addr().String()); !IsTransport(err) {
		t.Fatalf("want a transport error, got %v", err)
	}
}

func TestOtherDatacenterServerRefused(t *testing.T) {
	pki := newTestPKI(t)
	l := startTLSEcho(t, pki.configurator(t, ctls.KindServer, "dc2"))
	p := NewPool(WithTLS(pki.configurator(t, ctls.KindServer, "dc1"), "dc1"))
	defer p.Close()
	err := callEcho(p, l.Addr().String())
	if !NotSent(err) {
		t.Fatalf("want a refused handshake (not sent), got %v", err)
	}
}

func TestRaftLayerOverTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv := startTLSEcho(t, pki.configurator(t, ctls.KindServer, "dc1"))
	peer := startTLSEcho(t, pki.configurator(t, ctls.KindServer, "dc1"))
	conn, err := peer.RaftLayer().Dial(raft.ServerAddress(srv.Addr().String()), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("raft")); err != nil {
		t.Fatal(err)
	}
	in, err := srv.RaftLayer().Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	buf := make([]byte, 4)
	in.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(in, buf); err != nil || string(buf) != "raft" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

// BenchmarkCallParallelTLS is BenchmarkCallParallel over mutual TLS.
func BenchmarkCallParallelTLS(b *testing.B) {
	pki := newTestPKI(b)
	benchmarkCallParallel(b, []Option{WithTLS(pki.configurator(b, ctls.KindServer, "dc1"), "dc1")},
		[]Option{WithTLS(pki.configurator(b, ctls.KindClient, "dc1"), "dc1")})
}
