package agent_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	ctls "github.com/concord-dev/concord/tls"
)

type targetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// getTargets reads /v1/catalog/prometheus-targets with a bearer token,
// as Prometheus' http_sd_configs sends it.
func getTargets(t *testing.T, addr, query, token string) ([]targetGroup, int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/catalog/prometheus-targets"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode
	}
	var out []targetGroup
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out, resp.StatusCode
}

func TestPrometheusTargets(t *testing.T) {
	srvs, _ := agenttest.StartCluster(t, 1, 2)
	addr := srvs[0].HTTPAddrs()[0].String()
	_, port, _ := net.SplitHostPort(addr)
	var groups []targetGroup
	agenttest.WaitFor(t, 30*time.Second, "every agent's node in the targets", func() error {
		groups, _ = getTargets(t, addr, "", "")
		if len(groups) != 3 {
			return fmt.Errorf("%d groups: %+v", len(groups), groups)
		}
		return nil
	})
	var nodes []string
	for _, g := range groups {
		if len(g.Targets) != 1 || g.Targets[0] != "127.0.0.1:"+port {
			t.Errorf("targets %v, want [127.0.0.1:%s] (the port the request came in on)", g.Targets, port)
		}
		if g.Labels["__metrics_path__"] != "/v1/agent/metrics" || g.Labels["__param_format"] != "prometheus" {
			t.Errorf("labels %v lack the metrics path and format", g.Labels)
		}
		if g.Labels["__meta_concord_dc"] != "dc1" {
			t.Errorf("dc label %q", g.Labels["__meta_concord_dc"])
		}
		nodes = append(nodes, g.Labels["__meta_concord_node"])
	}
	sort.Strings(nodes)
	if fmt.Sprint(nodes) != "[c1 c2 s1]" {
		t.Errorf("nodes %v", nodes)
	}

	// ?port names the fleet's HTTP port; a bad one is refused.
	groups, _ = getTargets(t, addr, "?port=8500", "")
	if len(groups) == 0 || groups[0].Targets[0] != "127.0.0.1:8500" {
		t.Errorf("?port=8500: %+v", groups)
	}
	if _, code := getTargets(t, addr, "?port=0", ""); code != http.StatusBadRequest {
		t.Errorf("?port=0: %d, want 400", code)
	}
	resp, err := http.Post("http://"+addr+"/v1/catalog/prometheus-targets", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
}

func TestPrometheusTargetsACL(t *testing.T) {
	_, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = rootToken
		cfg.ACL.Tokens.Agent = rootToken
	})
	agenttest.WaitFor(t, 30*time.Second, "the management token sees the node", func() error {
		if groups, code := getTargets(t, addr, "", rootToken); len(groups) != 1 {
			return fmt.Errorf("status %d, %d groups", code, len(groups))
		}
		return nil
	})
	// Anonymous under default deny: node:read filters every node out.
	groups, code := getTargets(t, addr, "", "")
	if code != http.StatusOK || len(groups) != 0 {
		t.Errorf("anonymous: status %d, %d groups; want 200 and none", code, len(groups))
	}
}

// TestPrometheusTargetsHTTPS: asked over HTTPS, the targets are the
// HTTPS port with __scheme__ https.
func TestPrometheusTargetsHTTPS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, err := ctls.GenerateCA(ctls.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "consul-agent-ca.pem")
	if err := os.WriteFile(caFile, []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, key := certFiles(t, dir, ca, caKey, ctls.KindServer)
	a, _, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.TLS.HTTPS = config.TLSScope{CAFile: caFile, CertFile: cert, KeyFile: key}
		cfg.Ports.HTTPS = 0
	})
	httpsAddr := a.HTTPSAddrs()[0].String()
	_, port, _ := net.SplitHostPort(httpsAddr)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(ca))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	resp, err := hc.Get("https://" + httpsAddr + "/v1/catalog/prometheus-targets")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var groups []targetGroup
	if err := json.NewDecoder(resp.Body).Decode(&groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Targets[0] != "127.0.0.1:"+port || groups[0].Labels["__scheme__"] != "https" {
		t.Errorf("over HTTPS: %+v, want 127.0.0.1:%s with __scheme__ https", groups, port)
	}
}
