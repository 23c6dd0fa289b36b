package agent_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/agent/rpc"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
	ctls "github.com/concord-dev/concord/tls"
	"github.com/hashicorp/consul/api"
)

// certFiles writes a certificate of kind for dc1 signed by the CA and
// returns its files.
func certFiles(t *testing.T, dir, ca, caKey string, kind ctls.Kind) (cert, key string) {
	t.Helper()
	return certFilesIn(t, dir, ca, caKey, kind, "dc1")
}

// certFilesIn writes a certificate of kind for datacenter dc.
func certFilesIn(t *testing.T, dir, ca, caKey string, kind ctls.Kind, dc string) (cert, key string) {
	t.Helper()
	c, k, err := ctls.GenerateCert(ca, caKey, ctls.CertOptions{Kind: kind, Datacenter: dc, Domain: "consul"})
	if err != nil {
		t.Fatal(err)
	}
	cert, key = ctls.NextCertFileNames(dir, kind, dc, "consul")
	cert, key = filepath.Join(dir, cert), filepath.Join(dir, key)
	if err := os.WriteFile(cert, []byte(c), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte(k), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestClusterOverMutualTLS runs 3 servers and a client with certificates
// from the built-in CA, verify_incoming, verify_outgoing and
// verify_server_hostname on, and a gossip key: a write through the client reaches every
// server, and the HTTPS API refuses a caller without a certificate.
func TestClusterOverMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	dir := t.TempDir()
	ca, caKey, err := ctls.GenerateCA(ctls.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "consul-agent-ca.pem")
	if err := os.WriteFile(caFile, []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	srvCert, srvKey := certFiles(t, dir, ca, caKey, ctls.KindServer)
	cliCert, cliKey := certFiles(t, dir, ca, caKey, ctls.KindClient)
	apiCert, apiKey := certFiles(t, dir, ca, caKey, ctls.KindCLI)

	srvs, clis := agenttest.StartClusterWith(t, 3, 1, func(c *config.Config) {
		cert, key := cliCert, cliKey
		if c.Server {
			cert, key = srvCert, srvKey
		}
		scope := config.TLSScope{CAFile: caFile, CertFile: cert, KeyFile: key,
			VerifyIncoming: true, VerifyOutgoing: true}
		c.TLS.HTTPS = scope
		scope.VerifyServerHostname = true
		c.TLS.InternalRPC = scope
		c.Ports.HTTPS = 0
		// And gossip encrypted: every hop secured at once.
		c.EncryptKey = gossipKey1
	})

	// The write travels client -> server -> leader over mutual TLS.
	if _, err := agenttest.Client(t, clis[0]).KV().Put(&api.KVPair{Key: "tls/k", Value: []byte("v")}, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range srvs {
		c := agenttest.Client(t, s)
		agenttest.WaitFor(t, 5*time.Second, "the key on "+s.Self().NodeName, func() error {
			kv, _, err := c.KV().Get("tls/k", &api.QueryOptions{AllowStale: true})
			if err != nil {
				return err
			}
			if kv == nil || string(kv.Value) != "v" {
				return errors.New("not replicated yet")
			}
			return nil
		})
	}

	// The server port refuses plaintext.
	m := srvs[0].Self().Member
	addr := net.JoinHostPort(m.Addr.String(), m.Tags[lan.TagPort])
	plain := rpc.NewPool()
	defer plain.Close()
	var leader string
	if err := plain.Call(context.Background(), addr, catalog.MethodStatusLeader, &catalog.DCRequest{}, &leader); !rpc.IsTransport(err) {
		t.Fatalf("plaintext RPC to a TLS server port: want a transport error, got %v (leader %q)", err, leader)
	}

	httpsClient := func(cert, key string) *api.Client {
		cfg := api.DefaultConfig()
		cfg.Address = clis[0].HTTPSAddrs()[0].String()
		cfg.Scheme = "https"
		cfg.TLSConfig = api.TLSConfig{CAFile: caFile, CertFile: cert, KeyFile: key}
		c, err := api.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	kv, _, err := httpsClient(apiCert, apiKey).KV().Get("tls/k", nil)
	if err != nil || kv == nil || string(kv.Value) != "v" {
		t.Fatalf("HTTPS with a CLI certificate: %+v, %v", kv, err)
	}
	// The operator endpoints over HTTPS: the leader answers over TLS RPC
	// and its autopilot reads every server's Raft stats over TLS too.
	hc := httpsClient(apiCert, apiKey)
	agenttest.WaitFor(t, 30*time.Second, "autopilot health over TLS", func() error {
		h, err := hc.Operator().AutopilotServerHealth(nil)
		if h == nil {
			return err
		}
		if len(h.Servers) != 3 {
			return fmt.Errorf("%d servers", len(h.Servers))
		}
		for _, s := range h.Servers {
			if s.LastTerm == 0 || s.LastIndex == 0 || !s.Voter {
				return fmt.Errorf("no stats for %+v", s)
			}
		}
		return nil
	})
	if out, err := hc.Operator().RaftLeaderTransfer("", nil); err != nil || !out.Success {
		t.Fatalf("transfer-leader over HTTPS: %+v %v", out, err)
	}
	// The monitor streams over HTTPS, each line flushed through TLS.
	mctx, mcancel := context.WithCancel(context.Background())
	defer mcancel()
	lines, err := hc.Agent().Monitor("debug", mctx.Done(), (&api.QueryOptions{}).WithContext(mctx))
	if err != nil {
		t.Fatalf("monitor over HTTPS: %v", err)
	}
	if _, _, err := hc.Event().Fire(&api.UserEvent{Name: "tls-monitor-marker"}, nil); err != nil {
		t.Fatal(err)
	}
	awaitLine(t, lines, "tls-monitor-marker", "")

	if _, _, err := httpsClient("", "").KV().Get("tls/k", nil); err == nil {
		t.Fatal("HTTPS with verify_incoming served a caller without a certificate")
	} else {
		t.Logf("refused as expected: %v", err)
	}
}
