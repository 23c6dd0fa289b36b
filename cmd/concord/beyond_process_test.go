package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// TestTemplateAndZoneExportProcesses runs a real agent whose config file
// holds a template block and a zone export, and the "template" and "zone
// export" verbs as processes against it.
func TestTemplateAndZoneExportProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	const ip = "127.0.0.94"
	requireLoopbackAliases(t, ip)
	dir := t.TempDir()
	tmpl, out := filepath.Join(dir, "hosts.tmpl"), filepath.Join(dir, "hosts.out")
	os.WriteFile(tmpl, []byte(`{{ range service "crowd" }}{{ .Address }} {{ .Node }}
{{ end }}`), 0o644)
	cfg := filepath.Join(dir, "agent.json")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`{
  "template": {"source": %q, "destination": %q, "wait": "100ms:1s"},
  "dns_config": {"zone_transfer": {"zone": "geant.services", "allow": ["127.0.0.0/8"], "min_stable": "1s"}}
}`, tmpl, out)), 0o644)
	agent := newNode(t, "beyond", ip, append([]string{"-server", "-bootstrap-expect", "1", "-config-file", cfg}, joinArgs(ip)...)...)
	agent.start()
	c := agent.client()
	eventually(t, 30*time.Second, "the agent elects itself", func() error {
		_, err := c.KV().Put(&api.KVPair{Key: "ready"}, nil)
		return err
	})
	for i, node := range []string{"prod-crowd01", "prod-crowd02"} {
		_, err := c.Catalog().Register(&api.CatalogRegistration{Node: node, Address: fmt.Sprintf("1.1.1.1%d", i),
			Service: &api.AgentService{ID: "crowd", Service: "crowd", Port: 8095}}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	want := "1.1.1.10 prod-crowd01\n1.1.1.11 prod-crowd02\n"
	eventually(t, 30*time.Second, "the agent's template block", func() error {
		if b, _ := os.ReadFile(out); string(b) != want {
			return fmt.Errorf("%s is %q", out, b)
		}
		return nil
	})

	addr := ip + ":8500"
	once := filepath.Join(dir, "once.out")
	v := startVerb(t, addr, "template", "-once", "-template", tmpl+":"+once+":echo ran > "+once+".ran")
	if code := v.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("concord template exit %d: %s", code, v.out.String())
	}
	if b, _ := os.ReadFile(once); string(b) != want || !exists(once+".ran") {
		t.Errorf("concord template -once wrote %q (command ran: %v)", b, exists(once+".ran"))
	}

	z := startVerb(t, addr, "zone", "export", "-zone", "geant.services")
	if code := z.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("concord zone export exit %d: %s", code, z.out.String())
	}
	for _, rec := range []string{"crowd.geant.services.\t30\tIN\tA\t1.1.1.10", "crowd.geant.services.\t30\tIN\tA\t1.1.1.11"} {
		if !strings.Contains(z.out.String(), rec) {
			t.Errorf("zone export lacks %q:\n%s", rec, z.out.String())
		}
	}

	// The agent's own export: AXFR from its DNS port (8600).
	eventually(t, 30*time.Second, "AXFR with both crowd instances", func() error {
		m := new(dns.Msg)
		m.SetAxfr("geant.services.")
		env, err := new(dns.Transfer).In(m, ip+":8600")
		if err != nil {
			return err
		}
		n := 0
		for e := range env {
			if e.Error != nil {
				return e.Error
			}
			for _, rr := range e.RR {
				if a, ok := rr.(*dns.A); ok && a.Hdr.Name == "crowd.geant.services." {
					n++
				}
			}
		}
		if n != 2 {
			return fmt.Errorf("%d crowd A records", n)
		}
		return nil
	})
}
