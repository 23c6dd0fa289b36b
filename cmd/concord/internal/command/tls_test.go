package command

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"os"
	"strings"
	"testing"

	ctls "github.com/concord-dev/concord/tls"
)

func TestTLSCACreateAndCertCreate(t *testing.T) {
	t.Chdir(t.TempDir())
	expect(t, runCLI(t, nil, "", "tls", "ca", "create"), 0,
		"==> Saved consul-agent-ca.pem\n==> Saved consul-agent-ca-key.pem\n", "")
	expect(t, runCLI(t, nil, "", "tls", "ca", "create"), 1, "", "consul-agent-ca.pem already exists.\n")

	serverOut := serverCertWarning + "\n==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n"
	expect(t, runCLI(t, nil, "", "tls", "cert", "create", "-server"), 0,
		serverOut+"==> Saved dc1-server-consul-0.pem\n==> Saved dc1-server-consul-0-key.pem\n", "")
	expect(t, runCLI(t, nil, "", "tls", "cert", "create", "-server", "-additional-dnsname", "s1.example",
		"-additional-ipaddress", "10.0.0.1"), 0,
		serverOut+"==> Saved dc1-server-consul-1.pem\n==> Saved dc1-server-consul-1-key.pem\n", "")
	expect(t, runCLI(t, nil, "", "tls", "cert", "create", "-client", "-dc", "dc2"), 0,
		"==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n"+
			"==> Saved dc2-client-consul-0.pem\n==> Saved dc2-client-consul-0-key.pem\n", "")
	expect(t, runCLI(t, nil, "", "tls", "cert", "create", "-cli"), 0,
		"==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n"+
			"==> Saved dc1-cli-consul-0.pem\n==> Saved dc1-cli-consul-0-key.pem\n", "")

	expect(t, runCLI(t, nil, "", "tls", "cert", "create"), 1, "", "Please provide either -server, -client, or -cli\n")
	expect(t, runCLI(t, nil, "", "tls", "cert", "create", "-server", "-client"), 1, "", "Please provide either -server, -client, or -cli\n")
	expect(t, runCLI(t, nil, "", "tls", "cert", "create", "-client", "-node", "n1"), 1, "", "-node requires -server\n")
	if r := runCLI(t, nil, "", "tls", "cert", "create", "-server", "-ca", "missing.pem"); r.code != 1 ||
		!strings.HasPrefix(r.stderr, "Error reading CA: missing.pem: ") {
		t.Errorf("missing CA: %+v", r)
	}

	// The second server certificate carries the extra names and chains
	// to the CA.
	caPEM, _ := os.ReadFile("consul-agent-ca.pem")
	certPEM, _ := os.ReadFile("dc1-server-consul-1.pem")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	b, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"server.dc1.consul", "localhost", "s1.example", "10.0.0.1", "127.0.0.1"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots}); err != nil {
			t.Fatal(err)
		}
		if err := cert.VerifyHostname(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if st, _ := os.Stat("dc1-server-consul-1-key.pem"); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", st.Mode())
	}
}

// TestCLIOverHTTPSWithBuiltinCA: certificates from "tls ca create" and
// "tls cert create" let the CLI reach an agent that requires client
// certificates, through Consul's environment variables.
func TestCLIOverHTTPSWithBuiltinCA(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"tls", "ca", "create"}, {"tls", "cert", "create", "-server"}, {"tls", "cert", "create", "-cli"}} {
		if r := runCLI(t, nil, "", args...); r.code != 0 {
			t.Fatalf("%q: %+v", args, r)
		}
	}
	tlsc, err := ctls.New(ctls.Config{}, ctls.Config{CAFile: "consul-agent-ca.pem",
		CertFile: "dc1-server-consul-0.pem", KeyFile: "dc1-server-consul-0-key.pem", VerifyIncoming: true})
	if err != nil {
		t.Fatal(err)
	}
	f := newUnstartedFakeAgent(t)
	f.srv.TLS = tlsc.IncomingHTTPSConfig()
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	f.reply("GET /v1/agent/members", 200, oneMember)

	env := map[string]string{
		"CONSUL_HTTP_ADDR":   "https://" + f.addr(),
		"CONSUL_CACERT":      "consul-agent-ca.pem",
		"CONSUL_CLIENT_CERT": "dc1-cli-consul-0.pem",
		"CONSUL_CLIENT_KEY":  "dc1-cli-consul-0-key.pem",
	}
	expect(t, runCLI(t, env, "", "members"), 0, oneMemberTable, "")
	delete(env, "CONSUL_CLIENT_CERT")
	delete(env, "CONSUL_CLIENT_KEY")
	if r := runCLI(t, env, "", "members"); r.code != 1 {
		t.Errorf("no client certificate: %+v", r)
	}
}
