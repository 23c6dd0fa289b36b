package template_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/template"
)

// fixture registers, through the catalog API, what the golden tests read:
//
//	node1 10.0.0.1: web1 (web, port 8080, tags v2 prod a)    passing
//	node2 10.0.0.2: web2 (web, 10.0.0.22:8080, tags prod)   warning
//	                web3 (web, port 9090, tags canary)      critical
//	                db1  (db, port 5432, no checks)          passing
//
// and the KV pairs of consul-template's ls/tree examples under service/redis.
func fixture(t *testing.T, c *api.Client) {
	t.Helper()
	type inst struct {
		node, addr, id, svc, svcAddr string
		port                         int
		tags                         []string
		status                       string
	}
	for _, in := range []inst{
		{"node1", "10.0.0.1", "web1", "web", "", 8080, []string{"v2", "prod", "a"}, api.HealthPassing},
		{"node2", "10.0.0.2", "web2", "web", "10.0.0.22", 8080, []string{"prod"}, api.HealthWarning},
		{"node2", "10.0.0.2", "web3", "web", "", 9090, []string{"canary"}, api.HealthCritical},
		{"node2", "10.0.0.2", "db1", "db", "", 5432, nil, ""},
	} {
		reg := &api.CatalogRegistration{
			Node: in.node, Address: in.addr, NodeMeta: map[string]string{"rack": in.node + "-rack"},
			Service: &api.AgentService{ID: in.id, Service: in.svc, Address: in.svcAddr, Port: in.port, Tags: in.tags,
				Meta: map[string]string{"owner": "team-" + in.svc}},
		}
		if in.status != "" {
			reg.Checks = api.HealthChecks{{Node: in.node, CheckID: in.id + "-check", Name: in.id, Status: in.status, ServiceID: in.id}}
		}
		if _, err := c.Catalog().Register(reg, nil); err != nil {
			t.Fatalf("register %s: %v", in.id, err)
		}
	}
	for k, v := range map[string]string{
		"service/redis/maxconns":            "15",
		"service/redis/minconns":            "5",
		"service/redis/nested/config/value": "value",
		"config/admin/port":                 "1234",
		"config/maxconns":                   "5",
		"config/minconns":                   "2",
	} {
		if _, err := c.KV().Put(&api.KVPair{Key: k, Value: []byte(v)}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// renderOnce renders src with -once semantics and returns the file.
func renderOnce(t *testing.T, c *api.Client, src string) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.tmpl"), filepath.Join(dir, "out")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := template.New(template.Config{
		Templates: []template.Spec{{Source: in, Destination: out}},
		Client:    c,
		Now:       func() time.Time { return time.Unix(0, 0) },
		Env:       func(k string) string { return map[string]string{"CLUSTER_ID": "Abc-12345"}[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Once(ctx); err != nil {
		t.Fatalf("render %q: %v", src, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The expected outputs follow consul-template's documentation
// (docs/templating-language.md): which instances each health filter
// keeps, results by node then service ID, sorted tags, ls keeping only
// top-level keys, and the helpers' documented examples.
func TestGoldenFunctions(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	fixture(t, c)
	cases := []struct{ name, src, want string }{
		{"service healthy by default",
			`{{ range service "web" }}server {{ .Name }} {{ .Address }}:{{ .Port }}{{ "\n" }}{{ end }}`,
			"server web 10.0.0.1:8080\n"},
		{"service any, by node then ID",
			`{{ range service "web" "any" }}{{ .Node }} {{ .ID }} {{ .Status }} {{ .Address }} {{ .NodeAddress }}{{ "\n" }}{{ end }}`,
			"node1 web1 passing 10.0.0.1 10.0.0.1\nnode2 web2 warning 10.0.0.22 10.0.0.2\nnode2 web3 critical 10.0.0.2 10.0.0.2\n"},
		{"service pipe filter",
			`{{ range service "web|passing,warning" }}{{ .ID }} {{ end }}`,
			"web1 web2 "},
		{"service second-argument filter",
			`{{ range service "web" "passing,warning" }}{{ .ID }} {{ end }}`,
			"web1 web2 "},
		{"service critical only",
			`{{ range service "web|critical" }}{{ .ID }} {{ end }}`,
			"web3 "},
		{"service tag and datacenter",
			`{{ range service "prod.web@dc1" "any" }}{{ .ID }} {{ end }}`,
			"web1 web2 "},
		{"service without checks is passing",
			`{{ range service "db" }}{{ .ID }} {{ .Status }} {{ .NodeAddress }}{{ end }}`,
			"db1 passing 10.0.0.2"},
		{"service tags sorted, meta maps",
			`{{ range service "web" }}{{ .Tags | join "," }} {{ index .ServiceMeta "owner" }} {{ index .NodeMeta "rack" }}{{ end }}`,
			"a,prod,v2 team-web node1-rack"},
		{"service tags contains",
			`{{ range service "web" "any" }}{{ if .Tags | contains "prod" }}{{ .ID }} {{ end }}{{ end }}`,
			"web1 web2 "},
		{"services by name with tags",
			`{{ range services }}{{ .Name }}: {{ .Tags | join "," }}{{ "\n" }}{{ end }}`,
			"consul: \ndb: \nweb: a,canary,prod,v2\n"},
		{"nodes lexical",
			`{{ range nodes }}{{ .Node }} {{ .Address }}{{ "\n" }}{{ end }}`,
			"dev 127.0.0.1\nnode1 10.0.0.1\nnode2 10.0.0.2\n"},
		{"node by name, services by name then ID",
			`{{ with node "node2" }}{{ .Node.Address }}{{ range .Services }} {{ .Service }}/{{ .ID }}:{{ .Port }}{{ end }}{{ end }}`,
			"10.0.0.2 db/db1:5432 web/web2:8080 web/web3:9090"},
		{"node of the local agent",
			`{{ with node }}{{ .Node.Node }} {{ .Node.Address }}{{ end }}`,
			"dev 127.0.0.1"},
		{"key", `{{ key "service/redis/maxconns" }}`, "15"},
		{"keyOrDefault present", `{{ keyOrDefault "service/redis/maxconns" "5" }}`, "15"},
		{"keyOrDefault missing", `{{ keyOrDefault "service/redis/absent" "5" }}`, "5"},
		{"ls top level only",
			`{{ range ls "service/redis" }}{{ .Key }}:{{ .Value }}{{ "\n" }}{{ end }}`,
			"maxconns:15\nminconns:5\n"},
		{"tree every key",
			`{{ range tree "service/redis" }}{{ .Key }} {{ .Value }}{{ "\n" }}{{ end }}`,
			"maxconns 15\nminconns 5\nnested/config/value value\n"},
		{"tree path is the full key",
			`{{ range tree "service/redis/nested" }}{{ .Path }}{{ end }}`,
			"service/redis/nested/config/value"},
		{"explode toJSON (the documented example)",
			`{{ tree "config" | explode | toJSON }}`,
			`{"admin":{"port":"1234"},"maxconns":"5","minconns":"2"}`},
		{"explode nested access", `{{ with tree "config" | explode }}{{ .admin.port }}{{ end }}`, "1234"},
		{"env", `{{ env "CLUSTER_ID" | toLower }}`, "abc-12345"},
		{"byTag",
			`{{ range $tag, $services := service "web" "any" | byTag }}{{ $tag }}:{{ range $services }} {{ .ID }}{{ end }}{{ "\n" }}{{ end }}`,
			"a: web1\ncanary: web3\nprod: web1 web2\nv2: web1\n"},
		{"timestamp", `{{ timestamp }}`, "1970-01-01T00:00:00Z"},
		{"timestamp layout", `{{ timestamp "2006-01-02" }}`, "1970-01-01"},
		{"timestamp unix", `{{ timestamp "unix" }}`, "0"},
		{"split join", `{{ "foo\nbar\n" | split "\n" | join "," }}`, "foo,bar"},
		{"split empty", `{{ "" | split "," | len }}`, "0"},
		{"replaceAll", `{{ "foo.bar" | replaceAll "." "_" }}`, "foo_bar"},
		{"toUpper", `{{ key "service/redis/nested/config/value" | toUpper }}`, "VALUE"},
		{"contains string", `{{ "production-eu" | contains "prod" }}`, "true"},
		{"toJSON of a service list field", `{{ range service "db" }}{{ .Tags | toJSON }}{{ end }}`, "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderOnce(t, c, tc.src); got != tc.want {
				t.Errorf("template %s\n got %q\nwant %q", tc.src, got, tc.want)
			}
		})
	}
}
