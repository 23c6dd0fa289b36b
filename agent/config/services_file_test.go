package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServicesFromFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	svcs, err := ServicesFromFile(write("web.json", `{"service": {"name": "web", "port": 80, "tags": ["a"],
		"checks": [{"http": "http://localhost/health", "interval": "10s"}, {"ttl": "30s"}]}}`))
	if err != nil {
		t.Fatalf("web.json: %v", err)
	}
	if len(svcs) != 1 || svcs[0].ID != "web" || svcs[0].Port != 80 || len(svcs[0].Checks) != 2 ||
		svcs[0].Checks[0].ID != "service:web:1" || svcs[0].Checks[1].TTL != 30*time.Second ||
		svcs[0].Checks[1].Name != "Service 'web' check" || svcs[0].Weights != (Weights{1, 1}) {
		t.Errorf("web.json: %+v", svcs)
	}

	svcs, err = ServicesFromFile(write("two.yaml", "services:\n  - name: a\n    id: a1\n  - name: b\n"))
	if err != nil || len(svcs) != 2 || svcs[0].ID != "a1" || svcs[1].ID != "b" {
		t.Errorf("two.yaml: %+v %v", svcs, err)
	}

	for name, body := range map[string]string{
		"none.json":    `{"node_name": "x"}`,
		"noname.json":  `{"service": {"port": 80}}`,
		"badport.json": `{"service": {"name": "w", "port": 99999}}`,
		"broken.json":  `{"service": `,
	} {
		if _, err := ServicesFromFile(write(name, body)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ServicesFromFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file read")
	}
}
