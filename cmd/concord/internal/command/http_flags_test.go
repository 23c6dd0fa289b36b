package command

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const oneMember = `[{"Name":"n1","Addr":"10.0.0.1","Port":8301,"Status":1,
  "Tags":{"role":"consul","dc":"dc1","build":"0.1.0","vsn":"2"}}]`

const oneMemberTable = "" +
	"Node  Address        Status  Type    Build  Protocol  DC   Partition  Segment\n" +
	"n1    10.0.0.1:8301  alive   server  0.1.0  2         dc1  default    <all>\n"

func TestHTTPAddrForms(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/members", 200, oneMember)

	for _, tc := range []struct {
		env  map[string]string
		args []string
	}{
		{map[string]string{"CONSUL_HTTP_ADDR": f.addr()}, nil},
		{map[string]string{"CONSUL_HTTP_ADDR": "http://" + f.addr()}, nil},
		{map[string]string{"CONSUL_HTTP_ADDR": "127.0.0.1:1"}, []string{"-http-addr", f.addr()}},
		{nil, []string{"-http-addr=http://" + f.addr()}},
	} {
		args := append([]string{"members"}, tc.args...)
		expect(t, runCLI(t, tc.env, "", args...), 0, oneMemberTable, "")
	}

	// Unix domain socket.
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	u := newUnstartedFakeAgent(t)
	u.srv.Listener.Close()
	u.srv.Listener = ln
	u.srv.Start()
	u.reply("GET /v1/agent/members", 200, oneMember)
	expect(t, runCLI(t, map[string]string{"CONSUL_HTTP_ADDR": "unix://" + sock}, "", "members"), 0, oneMemberTable, "")
	expect(t, runCLI(t, nil, "", "members", "-http-addr", "unix://"+sock), 0, oneMemberTable, "")

	// Nothing listening: the error names the request.
	r := runCLI(t, map[string]string{"CONSUL_HTTP_ADDR": "127.0.0.1:1"}, "", "members")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Error retrieving members: Get \"http://127.0.0.1:1/v1/agent/members\"") {
		t.Errorf("unreachable agent: %+v", r)
	}
	r = runCLI(t, map[string]string{"CONSUL_HTTP_ADDR": "ftp://x:1"}, "", "members")
	expect(t, r, 1, "", "Error connecting to concord agent: Unknown protocol scheme: ftp\n")
}

func TestTokenPrecedence(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/leave", 200, "")
	dir := t.TempDir()
	flagFile := filepath.Join(dir, "flag.token")
	envFile := filepath.Join(dir, "env.token")
	if err := os.WriteFile(flagFile, []byte("  from-flag-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, []byte("from-env-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	env := f.env()
	env["CONSUL_HTTP_TOKEN"] = "from-env"
	runCLI(t, env, "", "leave")
	runCLI(t, env, "", "leave", "-token", "from-flag")
	env["CONSUL_HTTP_TOKEN_FILE"] = envFile
	runCLI(t, env, "", "leave")
	runCLI(t, env, "", "leave", "-token", "from-flag")
	runCLI(t, env, "", "leave", "-token", "from-flag", "-token-file", flagFile)
	f.expectCalls(
		call{Method: "PUT", Path: "/v1/agent/leave", Token: "from-env"},
		call{Method: "PUT", Path: "/v1/agent/leave", Token: "from-flag"},
		call{Method: "PUT", Path: "/v1/agent/leave", Token: "from-env-file"},
		call{Method: "PUT", Path: "/v1/agent/leave", Token: "from-flag"},
		call{Method: "PUT", Path: "/v1/agent/leave", Token: "from-flag-file"},
	)

	missing := filepath.Join(dir, "missing")
	r := runCLI(t, env, "", "leave", "-token-file", missing)
	expect(t, r, 1, "", "Error connecting to concord agent: Error loading token file "+missing+
		" : open "+missing+": no such file or directory\n")
}

// writeTestPKI writes a self-signed certificate, valid for server and
// client authentication but only for the name "concord.test" (no IP), and
// its key; it returns their paths and the parsed pair.
func writeTestPKI(t *testing.T) (certFile, keyFile string, pair tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "concord.test"},
		DNSNames:              []string{"concord.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pair, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pair
}

func TestTLSSettingsReachTheClient(t *testing.T) {
	certFile, keyFile, pair := writeTestPKI(t)
	pool := x509.NewCertPool()
	pool.AddCert(pair.Leaf)
	f := newUnstartedFakeAgent(t)
	f.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	// The refused handshakes below are expected; keep them out of the log.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	f.reply("GET /v1/agent/members", 200, oneMember)

	// Everything through flags.
	expect(t, runCLI(t, nil, "", "members", "-http-addr", "https://"+f.addr(),
		"-ca-file", certFile, "-client-cert", certFile, "-client-key", keyFile,
		"-tls-server-name", "concord.test"), 0, oneMemberTable, "")

	// Everything through the environment, https chosen by CONSUL_HTTP_SSL.
	env := map[string]string{
		"CONSUL_HTTP_ADDR":       f.addr(),
		"CONSUL_HTTP_SSL":        "true",
		"CONSUL_CACERT":          certFile,
		"CONSUL_CLIENT_CERT":     certFile,
		"CONSUL_CLIENT_KEY":      keyFile,
		"CONSUL_TLS_SERVER_NAME": "concord.test",
	}
	expect(t, runCLI(t, env, "", "members"), 0, oneMemberTable, "")

	// Without the server name the certificate does not match the address.
	delete(env, "CONSUL_TLS_SERVER_NAME")
	if r := runCLI(t, env, "", "members"); r.code != 1 || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("no server name: %+v", r)
	}
	// ... unless verification is off.
	env["CONSUL_HTTP_SSL_VERIFY"] = "false"
	delete(env, "CONSUL_CACERT")
	expect(t, runCLI(t, env, "", "members"), 0, oneMemberTable, "")

	// Without a client certificate the agent refuses the connection.
	delete(env, "CONSUL_CLIENT_CERT")
	delete(env, "CONSUL_CLIENT_KEY")
	if r := runCLI(t, env, "", "members"); r.code != 1 || !strings.HasPrefix(r.stderr, "Error retrieving members: ") {
		t.Errorf("no client certificate: %+v", r)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("agent served %d requests, want 3", n)
	}
}
