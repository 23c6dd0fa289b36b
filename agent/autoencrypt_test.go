package agent_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	ctls "github.com/concord-dev/concord/tls"
	"github.com/hashicorp/consul/api"
)

// TestAutoEncryptCluster runs 3 servers with certificates from the
// built-in CA, verify_incoming, verify_outgoing, verify_server_hostname
// and auto_encrypt.allow_tls, and three clients that have only the CA
// file: c1 asks for its certificate (auto_encrypt.tls) and then writes
// through the servers; c2 asks for a server name, is refused, and its
// RPCs say it waits for a certificate; c3 does not use auto_encrypt and
// is refused everything but the signing call.
func TestAutoEncryptCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	dir := t.TempDir()
	ca, caKey, err := ctls.GenerateCA(ctls.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caFile, caKeyFile := ctls.CAFileNames("consul")
	caFile, caKeyFile = filepath.Join(dir, caFile), filepath.Join(dir, caKeyFile)
	if err := os.WriteFile(caFile, []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caKeyFile, []byte(caKey), 0o600); err != nil {
		t.Fatal(err)
	}
	srvCert, srvKey := certFiles(t, dir, ca, caKey, ctls.KindServer)

	srvs, clis := agenttest.StartClusterWith(t, 3, 3, func(c *config.Config) {
		scope := config.TLSScope{CAFile: caFile, VerifyOutgoing: true, VerifyServerHostname: true}
		if c.Server {
			scope.CertFile, scope.KeyFile, scope.CAKeyFile = srvCert, srvKey, caKeyFile
			scope.VerifyIncoming = true
			c.AutoEncrypt.AllowTLS = true
		}
		switch c.NodeName {
		case "c1":
			c.AutoEncrypt = config.AutoEncrypt{TLS: true, DNSSAN: []string{"c1.example.com"}, IPSAN: []string{"127.0.0.9"}}
		case "c2":
			c.AutoEncrypt = config.AutoEncrypt{TLS: true, DNSSAN: []string{"server.dc1.consul"}}
		}
		c.TLS.InternalRPC = scope
	})

	// c1 gets its certificate once gossip shows it a server, then its
	// write travels client -> server -> leader over mutual TLS.
	c1 := agenttest.Client(t, clis[0])
	agenttest.WaitFor(t, 20*time.Second, "a write through the auto_encrypt client", func() error {
		_, err := c1.KV().Put(&api.KVPair{Key: "auto/k", Value: []byte("v")}, nil)
		return err
	})
	for _, s := range srvs {
		c := agenttest.Client(t, s)
		agenttest.WaitFor(t, 5*time.Second, "the key on "+s.Self().NodeName, func() error {
			kv, _, err := c.KV().Get("auto/k", &api.QueryOptions{AllowStale: true})
			if err != nil {
				return err
			}
			if kv == nil || string(kv.Value) != "v" {
				return errors.New("not replicated yet")
			}
			return nil
		})
	}

	// c2 asked for a server's name: never signed, so it still waits.
	_, err = agenttest.Client(t, clis[1]).KV().Put(&api.KVPair{Key: "auto/c2", Value: []byte("v")}, nil)
	if err == nil || !strings.Contains(err.Error(), "waiting for a certificate from the servers (auto_encrypt)") {
		t.Fatalf("client refused a certificate: want the waiting error, got %v", err)
	}

	// c3 has neither a certificate nor auto_encrypt: its TLS connection
	// without a certificate may only ask to be signed.
	_, err = agenttest.Client(t, clis[2]).KV().Put(&api.KVPair{Key: "auto/c3", Value: []byte("v")}, nil)
	if err == nil || !strings.Contains(err.Error(), "no client certificate") {
		t.Fatalf("client without a certificate: want a refusal, got %v", err)
	}
	if kv, _, err := agenttest.Client(t, srvs[0]).KV().Get("auto/c3", nil); err != nil || kv != nil {
		t.Fatalf("the refused write is there: %+v, %v", kv, err)
	}
}
