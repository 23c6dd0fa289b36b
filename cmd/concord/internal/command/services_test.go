package command

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
)

func TestServicesRegisterFlags(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/service/register", 200, "")
	expect(t, runCLI(t, f.env(), "", "services", "register", "-name", "web", "-id", "web-1",
		"-address", "10.0.0.5", "-port", "8080", "-tag", "a", "-tag", "b", "-meta", "env=prod", "-meta", "v=2"),
		0, "Registered service: web\n", "")
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests %+v", reqs)
	}
	var got api.AgentServiceRegistration
	if err := json.Unmarshal([]byte(reqs[0].Body), &got); err != nil {
		t.Fatal(err)
	}
	want := api.AgentServiceRegistration{ID: "web-1", Name: "web", Address: "10.0.0.5", Port: 8080,
		Tags: []string{"a", "b"}, Meta: map[string]string{"env": "prod", "v": "2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("registration\n got %+v\nwant %+v", got, want)
	}

	expect(t, runCLI(t, f.env(), "", "services", "register"), 1, "",
		"Service registration requires at least one argument or flags.\n")
	expect(t, runCLI(t, f.env(), "", "services", "register", "-name", "x", "web.json"), 1, "",
		"Service registration requires arguments or -id, not both.\n")
	r := runCLI(t, f.env(), "", "services", "register", "-meta", "novalue", "-name", "x")
	if r.code != 1 || !strings.Contains(r.stderr, `Missing "=" value`) {
		t.Errorf("bad -meta: %+v", r)
	}

	f.reply("PUT /v1/agent/service/register", 400, "Missing service name")
	expect(t, runCLI(t, f.env(), "", "services", "register", "-name", "web"), 1, "",
		"Error registering service \"web\": Unexpected response code: 400 (Missing service name)\n")
}

func TestServicesRegisterFiles(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(dir, "web.json")
	os.WriteFile(web, []byte(`{"service": {"name": "web", "port": 80,
		"check": {"http": "http://localhost/health", "interval": "10s", "timeout": "1s"}}}`), 0o600)
	two := filepath.Join(dir, "two.yaml")
	os.WriteFile(two, []byte("services:\n  - name: db\n    id: db-1\n    checks:\n      - ttl: 30s\n      - args: [/bin/true]\n        interval: 5s\n  - name: cache\n"), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"node_name": "x"}`), 0o600)

	f := newFakeAgent(t)
	var bodies []api.AgentServiceRegistration
	f.on("PUT /v1/agent/service/register", func(w http.ResponseWriter, c call) {
		var reg api.AgentServiceRegistration
		if err := json.Unmarshal([]byte(c.Body), &reg); err != nil {
			t.Errorf("body %q: %v", c.Body, err)
		}
		bodies = append(bodies, reg)
	})
	f.reply("PUT /v1/agent/service/deregister/*", 200, "")

	expect(t, runCLI(t, f.env(), "", "services", "register", web, two), 0,
		"Registered service: web\nRegistered service: db\nRegistered service: cache\n", "")
	if len(bodies) != 3 {
		t.Fatalf("registrations: %+v", bodies)
	}
	w := bodies[0]
	if w.ID != "web" || w.Port != 80 || len(w.Checks) != 1 || w.Checks[0].HTTP != "http://localhost/health" ||
		w.Checks[0].Interval != "10s" || w.Checks[0].Timeout != "1s" || w.Checks[0].CheckID != "service:web" ||
		w.Weights == nil || *w.Weights != (api.AgentWeights{Passing: 1, Warning: 1}) {
		t.Errorf("web: %+v %+v", w, w.Checks)
	}
	db := bodies[1]
	if db.ID != "db-1" || len(db.Checks) != 2 || db.Checks[0].TTL != "30s" || db.Checks[0].CheckID != "service:db-1:1" ||
		!reflect.DeepEqual(db.Checks[1].Args, []string{"/bin/true"}) || db.Checks[1].Interval != "5s" {
		t.Errorf("db: %+v", db)
	}

	r := runCLI(t, f.env(), "", "services", "register", bad)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Error: "+bad+": no service definitions found") {
		t.Errorf("file without services: %+v", r)
	}

	expect(t, runCLI(t, f.env(), "", "services", "deregister", web, two), 0,
		"Deregistered service: web\nDeregistered service: db-1\nDeregistered service: cache\n", "")
	expect(t, runCLI(t, f.env(), "", "services", "deregister", "-id", "web"), 0,
		"Deregistered service: web\n", "")
	var paths []string
	for _, c := range f.requests() {
		if c.Method == "PUT" && strings.HasPrefix(c.Path, "/v1/agent/service/deregister/") {
			paths = append(paths, strings.TrimPrefix(c.Path, "/v1/agent/service/deregister/"))
		}
	}
	if !reflect.DeepEqual(paths, []string{"web", "db-1", "cache", "web"}) {
		t.Errorf("deregistered %v", paths)
	}
}

func TestServicesDeregisterErrors(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/service/deregister/ghost", 404, `Unknown service ID "ghost"`)
	expect(t, runCLI(t, f.env(), "", "services", "deregister"), 1, "",
		"Service deregistration requires at least one argument or -id.\n")
	expect(t, runCLI(t, f.env(), "", "services", "deregister", "-id", "x", "a.json"), 1, "",
		"Service deregistration requires arguments or -id, not both.\n")
	expect(t, runCLI(t, f.env(), "", "services", "deregister", "-id", "ghost"), 1, "",
		"Error deregistering service \"ghost\": Unexpected response code: 404 (Unknown service ID \"ghost\")\n")

	r := runCLI(t, f.env(), "", "services")
	if r.code != 1 || !strings.Contains(r.stdout, "register      Register services with the local agent") {
		t.Errorf("services help: %+v", r)
	}
}

func TestMaint(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/maintenance", 200, "")
	f.reply("PUT /v1/agent/service/maintenance/web", 200, "")
	f.reply("PUT /v1/agent/service/maintenance/ghost", 404, `Unknown service ID "ghost"`)
	f.reply("GET /v1/agent/self", 200, `{"Config": {"NodeName": "node1"}}`)
	f.reply("GET /v1/agent/checks", 200, `{
		"web-ttl": {"CheckID": "web-ttl", "ServiceID": "web", "Notes": "x"},
		"_service_maintenance:web": {"CheckID": "_service_maintenance:web", "ServiceID": "web", "Notes": "deploy"},
		"_node_maintenance": {"CheckID": "_node_maintenance", "Notes": "kernel"}}`)

	expect(t, runCLI(t, f.env(), "", "maint", "-enable", "-reason", "kernel"), 0, "Node maintenance is now enabled\n", "")
	expect(t, runCLI(t, f.env(), "", "maint", "-disable"), 0, "Node maintenance is now disabled\n", "")
	expect(t, runCLI(t, f.env(), "", "maint", "-enable", "-service", "web"), 0,
		"Service maintenance is now enabled for \"web\"\n", "")
	expect(t, runCLI(t, f.env(), "", "maint", "-disable", "-service", "web"), 0,
		"Service maintenance is now disabled for \"web\"\n", "")
	expect(t, runCLI(t, f.env(), "", "maint", "-enable", "-service", "ghost"), 1, "",
		"Error enabling service maintenance: Unexpected response code: 404 (Unknown service ID \"ghost\")\n")
	expect(t, runCLI(t, f.env(), "", "maint"), 0,
		"Node:\n  Name:   node1\n  Reason: kernel\n\nService:\n  ID:     web\n  Reason: deploy\n\n", "")

	expect(t, runCLI(t, f.env(), "", "maint", "-enable", "-disable"), 1, "", "Only one of -enable or -disable may be provided\n")
	expect(t, runCLI(t, f.env(), "", "maint", "-reason", "x"), 1, "", "Reason may only be provided with -enable\n")
	expect(t, runCLI(t, f.env(), "", "maint", "-service", "web"), 1, "", "Service requires either -enable or -disable\n")

	var queries []string
	for _, c := range f.requests() {
		if c.Method == "PUT" {
			queries = append(queries, c.Path+"?"+c.Query)
		}
	}
	want := []string{
		"/v1/agent/maintenance?enable=true&reason=kernel",
		"/v1/agent/maintenance?enable=false",
		"/v1/agent/service/maintenance/web?enable=true&reason=",
		"/v1/agent/service/maintenance/web?enable=false",
		"/v1/agent/service/maintenance/ghost?enable=true&reason=",
	}
	if !reflect.DeepEqual(queries, want) {
		t.Errorf("requests\n got %q\nwant %q", queries, want)
	}
}

func TestReload(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/agent/reload", 200, "")
	expect(t, runCLI(t, f.env(), "", "reload"), 0, "Configuration reload triggered\n", "")
	f.expectCalls(call{Method: "PUT", Path: "/v1/agent/reload"})
	f.reply("PUT /v1/agent/reload", 500, "config broken")
	expect(t, runCLI(t, f.env(), "", "reload"), 1, "",
		"Error reloading: Unexpected response code: 500 (config broken)\n")
	expect(t, runCLI(t, f.env(), "", "reload", "now"), 1, "", "Too many arguments (expected 0, got 1)\n")
}
