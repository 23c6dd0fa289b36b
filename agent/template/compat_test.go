package template_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
)

// consulTemplate finds consul-template (go install
// github.com/hashicorp/consul-template@v0.42.1), or skips.
func consulTemplate(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("consul-template"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "consul-template")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("consul-template is not installed (go install github.com/hashicorp/consul-template@v0.42.1)")
	return ""
}

// TestCompatWithConsulTemplate renders the same templates with the real
// consul-template and with concord, against the same concord agent, and
// wants the same bytes.
func TestCompatWithConsulTemplate(t *testing.T) {
	ct := consulTemplate(t)
	_, addr, c := agenttest.StartDev(t)
	fixture(t, c)
	haproxy, err := os.ReadFile("testdata/haproxy.cfg.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{
		"service": `{{ range service "web" }}server {{ .Name }} {{ .Address }}:{{ .Port }} {{ .Tags | join "," }} {{ .Status }}
{{ end }}`,
		"service any": `{{ range service "web|any" }}{{ .Node }} {{ .ID }} {{ .Status }} {{ .Address }} {{ .NodeAddress }} {{ .Port }}
{{ end }}`,
		"service filters": `{{ range service "web" "passing,warning" }}{{ .ID }} {{ end }}|{{ range service "prod.web" "any" }}{{ .ID }} {{ end }}`,
		"services":        `{{ range services }}{{ .Name }}: {{ .Tags | join "," }}{{ "\n" }}{{ end }}`,
		"nodes":           `{{ range nodes }}{{ .Node }} {{ .Address }} {{ .Datacenter }}{{ "\n" }}{{ end }}`,
		"node":            `{{ with node "node2" }}{{ .Node.Address }}{{ range .Services }} {{ .Service }}/{{ .ID }}:{{ .Port }} {{ .Tags | join "," }}{{ end }}{{ end }}`,
		"kv":              `{{ key "service/redis/maxconns" }} {{ keyOrDefault "absent" "d" }}{{ range ls "service/redis" }} {{ .Key }}={{ .Value }}{{ end }}{{ range tree "service/redis" }} {{ .Key }}={{ .Value }}{{ end }}`,
		"explode":         `{{ tree "config" | explode | toJSON }}`,
		"byTag":           `{{ range $tag, $s := service "web|any" | byTag }}{{ $tag }}:{{ range $s }} {{ .ID }}{{ end }};{{ end }}`,
		"helpers":         `{{ "foo\nbar\n" | split "\n" | join "," }} {{ "foo.bar" | replaceAll "." "_" }} {{ "AbC" | toLower }} {{ "AbC" | toUpper }} {{ "production" | contains "prod" }}`,
		"haproxy":         string(haproxy),
		"service JSON":    `{{ service "web|any" | toJSON }}`,
		"services JSON":   `{{ services | toJSON }}`,
		"nodes JSON":      `{{ nodes | toJSON }}`,
		"node JSON":       `{{ node "node2" | toJSON }}`,
		"ls JSON":         `{{ ls "service/redis" | toJSON }}`,
		"tree JSON":       `{{ tree "service/redis" | toJSON }}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.tmpl")
			if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "ct.out")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, ct, "-consul-addr", addr, "-once", "-log-level", "err",
				"-template", in+":"+out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("consul-template: %v\n%s", err, b)
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := renderOnce(t, c, src); got != string(want) {
				t.Errorf("concord rendered\n%q\nconsul-template\n%q", got, want)
			}
		})
	}
}
