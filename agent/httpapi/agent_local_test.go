package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

func TestAgentLocalPutRoutesRefuseGet(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	for _, path := range []string{
		"/v1/agent/service/register", "/v1/agent/service/deregister/web",
		"/v1/agent/service/maintenance/web", "/v1/agent/check/register",
		"/v1/agent/check/deregister/c", "/v1/agent/check/pass/c", "/v1/agent/check/warn/c",
		"/v1/agent/check/fail/c", "/v1/agent/check/update/c", "/v1/agent/maintenance",
		"/v1/agent/reload",
	} {
		for _, method := range []string{"GET", "POST"} {
			resp, body := do(t, ts, method, path, nil)
			expectStatus(t, resp, body, http.StatusMethodNotAllowed)
			if want := "method " + method + " not allowed on " + path + ": use PUT"; body != want {
				t.Errorf("%s %s: %q, want %q", method, path, body, want)
			}
			if allow := resp.Header.Get("Allow"); allow != "PUT, OPTIONS" {
				t.Errorf("%s %s: Allow %q", method, path, allow)
			}
		}
	}
	for _, path := range []string{"/v1/agent/services", "/v1/agent/checks", "/v1/agent/service/web"} {
		resp, body := do(t, ts, "PUT", path, nil)
		expectStatus(t, resp, body, http.StatusMethodNotAllowed)
	}
}

func TestAgentServiceRegisterDecoding(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		wantSvc   *catalog.NodeService
		wantCheck []checks.Spec
	}{
		{
			name: "CamelCase with defaults",
			body: `{"Name":"web","Port":80,"Tags":["a"],"Weights":{"Passing":0,"Warning":0},"Check":{"TTL":"15s"},"Checks":null}`,
			wantSvc: &catalog.NodeService{ID: "web", Service: "web", Port: 80, Tags: []string{"a"},
				Weights: &catalog.Weights{Passing: 1, Warning: 1}},
			wantCheck: []checks.Spec{{ID: "service:web", Name: "Service 'web' check", ServiceID: "web", TTL: 15 * time.Second}},
		},
		{
			name: "snake_case and lower case",
			body: `{"id":"web-1","name":"web","address":"10.0.0.5","enable_tag_override":true,
				"meta":{"env":"prod"},"weights":{"passing":3,"warning":2},
				"checks":[{"http":"http://127.0.0.1/health","interval":"10s","tls_skip_verify":true,
					"success_before_passing":2,"failures_before_critical":3,"failures_before_warning":1,
					"deregister_critical_service_after":"90m","output_max_size":100,"tls_server_name":"x",
					"header":{"X-A":["1"],"X-B":"2"},"method":"POST","body":"{}"},
					{"check_id":"g","grpc":"127.0.0.1:9000","grpc_use_tls":true,"interval":2000000000,"timeout":"1s"},
					{"Name":"alias","alias_service":"db","alias_node":"n2"},
					null]}`,
			wantSvc: &catalog.NodeService{ID: "web-1", Service: "web", Address: "10.0.0.5", EnableTagOverride: true,
				Meta: map[string]string{"env": "prod"}, Weights: &catalog.Weights{Passing: 3, Warning: 2}},
			wantCheck: []checks.Spec{
				{ID: "service:web-1:1", Name: "Service 'web' check", ServiceID: "web-1", HTTP: "http://127.0.0.1/health",
					Interval: 10 * time.Second, TLSSkipVerify: true, SuccessBeforePassing: 2, FailuresBeforeCritical: 3,
					FailuresBeforeWarning: 1, DeregisterCriticalServiceAfter: 90 * time.Minute, OutputMaxSize: 100,
					TLSServerName: "x", Header: map[string][]string{"X-A": {"1"}, "X-B": {"2"}}, Method: "POST", Body: "{}"},
				{ID: "g", Name: "Service 'web' check", ServiceID: "web-1", GRPC: "127.0.0.1:9000", GRPCUseTLS: true,
					Interval: 2 * time.Second, Timeout: time.Second},
				{ID: "service:web-1:3", Name: "alias", ServiceID: "web-1", AliasService: "db", AliasNode: "n2"},
			},
		},
		{
			name:    "script args both spellings, empty check skipped",
			body:    `{"Name":"job","Check":{},"Checks":[{"ScriptArgs":["/bin/true"],"Interval":"5s"},{"script_args":["/bin/false"],"interval":"5s","Status":"passing","Notes":"n","DockerContainerID":"","Shell":""}]}`,
			wantSvc: &catalog.NodeService{ID: "job", Service: "job", Weights: &catalog.Weights{Passing: 1, Warning: 1}},
			wantCheck: []checks.Spec{
				{ID: "service:job:1", Name: "Service 'job' check", ServiceID: "job", Args: []string{"/bin/true"}, Interval: 5 * time.Second},
				{ID: "service:job:2", Name: "Service 'job' check", ServiceID: "job", Args: []string{"/bin/false"},
					Interval: 5 * time.Second, Status: "passing", Notes: "n"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, specs, err := decodeServiceRegistration(json.RawMessage(c.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(svc, c.wantSvc) {
				t.Errorf("service %+v\nwant %+v", svc, c.wantSvc)
			}
			if !reflect.DeepEqual(specs, c.wantCheck) {
				t.Errorf("checks %+v\nwant %+v", specs, c.wantCheck)
			}
		})
	}
}

func TestAgentServiceRegisterBadInput(t *testing.T) {
	_, ts, _ := newTestServer(t, nil)
	cases := []struct{ body, want string }{
		{`{"ID":"x"}`, "Missing service name"},
		{`{"Name":"web","Kind":"connect-proxy"}`, `service kind "connect-proxy" is not supported`},
		{`{"Name":"web","Port":-1}`, "Port: -1 must not be negative"},
		{`{"Name":"web","Port":70000}`, "Invalid Port"},
		{`{"Name":"web","Port":"80"}`, "Port: expected a whole number"},
		{`{"Name":"web","Tags":"a"}`, "Tags: expected a list of strings"},
		{`{"Name":"web","Weights":{"Passing":0,"Warning":1}}`, "Weights.Passing"},
		{`{"Name":"web","Weights":{"Passing":1,"Warning":-1}}`, "Weights.Warning"},
		{`{"Name":"web","Meta":{"consul-x":"1"}}`, "reserved prefix"},
		{`{"Name":"web","Check":{"TTL":"soon"}}`, `Check.TTL: invalid duration "soon"`},
		{`{"Name":"web","Checks":[{"TTL":"1s"},{"HTTP":"http://x","Interval":"-5s"}]}`, "Checks[1].Interval: duration -5s must not be negative"},
		{`{"Name":"web","Checks":[{"TTL":"1s","failures_before_critical":-2}]}`, "Checks[0].FailuresBeforeCritical: -2 must not be negative"},
		{`{"Name":"web","Check":{"Script":"/bin/check","Interval":"5s"}}`, "Check.Script: the single-string Script check was removed"},
		{`{"Name":"web","Check":{"ScriptArgs":["/bin/check"],"Interval":"5s"}}`, "script checks are disabled"},
		{`{"Name":"web","Check":{"HTTP":"http://x"}}`, "Interval"},
		{`{"Name":"web","Check":"ttl"}`, "Check: expected a JSON object"},
		{`["web"]`, "body: expected a JSON object"},
		{`{"Name":"web"} {}`, "trailing data"},
	}
	for _, c := range cases {
		resp, body := do(t, ts, "PUT", "/v1/agent/service/register", strings.NewReader(c.body))
		expectStatus(t, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, c.want) {
			t.Errorf("%s: %q, want it to contain %q", c.body, body, c.want)
		}
	}
}

func TestAgentServiceEndpoints(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	resp, body := do(t, ts, "GET", "/v1/agent/services", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if body != "{}" {
		t.Errorf("no services: %q", body)
	}

	resp, body = do(t, ts, "PUT", "/v1/agent/service/register?replace-existing-checks",
		strings.NewReader(`{"name":"web","port":80,"check":{"ttl":"30s"}}`), "X-Consul-Token", "tok")
	expectStatus(t, resp, body, http.StatusOK)
	if fa.lastOpts != (RegisterOptions{ReplaceExistingChecks: true, Token: "tok"}) {
		t.Errorf("options %+v", fa.lastOpts)
	}
	resp, body = do(t, ts, "PUT", "/v1/agent/service/register?replace-existing-checks=false",
		strings.NewReader(`{"Name":"db","ID":"db-1","Tags":["primary"],"Meta":{"v":"1"}}`))
	expectStatus(t, resp, body, http.StatusOK)
	if fa.lastOpts.ReplaceExistingChecks {
		t.Error("replace-existing-checks=false was taken as true")
	}

	resp, body = do(t, ts, "GET", "/v1/agent/services", nil)
	expectStatus(t, resp, body, http.StatusOK)
	want := `{"db-1":{"ID":"db-1","Service":"db","Tags":["primary"],"Meta":{"v":"1"},"Port":0,"Address":"",` +
		`"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"Datacenter":"dc1"},` +
		`"web":{"ID":"web","Service":"web","Tags":[],"Meta":{},"Port":80,"Address":"",` +
		`"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"Datacenter":"dc1"}}`
	if body != want {
		t.Errorf("services\n got %s\nwant %s", body, want)
	}

	for _, f := range []struct{ filter, want string }{
		{"Service == db", `"db-1"`},
		{"primary in Tags", `"db-1"`},
		{"Port == 80", `"web"`},
		{"Meta.v == 1", `"db-1"`},
	} {
		resp, body = do(t, ts, "GET", "/v1/agent/services?filter="+urlQuery(f.filter), nil)
		expectStatus(t, resp, body, http.StatusOK)
		var got map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &got); err != nil || len(got) != 1 || !strings.HasPrefix(body, "{"+f.want) {
			t.Errorf("filter %q: %s", f.filter, body)
		}
	}
	for _, bad := range []string{"Service ==", "Nope == 1"} {
		resp, body = do(t, ts, "GET", "/v1/agent/services?filter="+urlQuery(bad), nil)
		expectStatus(t, resp, body, http.StatusBadRequest)
	}

	resp, body = do(t, ts, "GET", "/v1/agent/service/web", nil)
	expectStatus(t, resp, body, http.StatusOK)
	var one localServiceJSON
	if err := json.Unmarshal([]byte(body), &one); err != nil || one.ID != "web" || len(one.ContentHash) != 16 ||
		resp.Header.Get("X-Consul-ContentHash") != one.ContentHash {
		t.Errorf("service: %s (%v)", body, err)
	}
	resp, body = do(t, ts, "GET", "/v1/agent/service/nope", nil)
	expectStatus(t, resp, body, http.StatusNotFound)
	if body != "unknown service ID: nope" {
		t.Errorf("unknown service: %q", body)
	}

	resp, body = do(t, ts, "PUT", "/v1/agent/service/deregister/nope", nil)
	expectStatus(t, resp, body, http.StatusNotFound)
	resp, body = do(t, ts, "PUT", "/v1/agent/service/deregister/", nil)
	expectStatus(t, resp, body, http.StatusBadRequest)
	resp, body = do(t, ts, "PUT", "/v1/agent/service/deregister/web", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if len(fa.LocalServices()) != 1 || len(fa.LocalChecks()) != 0 {
		t.Errorf("after deregister: %v %v", fa.LocalServices(), fa.LocalChecks())
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "=", "%3D").Replace(s)
}

func TestAgentCheckEndpoints(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	put := func(path, body string, want int) string {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		resp, out := do(t, ts, "PUT", path, rd)
		expectStatus(t, resp, out, want)
		return out
	}
	put("/v1/agent/service/register", `{"Name":"web","Tags":["t1"]}`, 200)
	put("/v1/agent/check/register", `{"name":"mem","ttl":"1m","notes":"n"}`, 200)
	put("/v1/agent/check/register", `{"ID":"web-ttl","Name":"web ttl","ServiceID":"web","TTL":"1m","Status":"passing"}`, 200)
	put("/v1/agent/check/register", `{"CheckID":"tcp","Name":"tcp","TCP":"127.0.0.1:1","Interval":"10s"}`, 200)

	for _, c := range []struct{ body, want string }{
		{`{"TTL":"1m"}`, "Missing check name"},
		{`{"Name":"x","TTL":"1m","ServiceID":"ghost"}`, `ServiceID "ghost" does not exist`},
		{`{"Name":"x","TTL":"1m","Status":"bogus"}`, "Status"},
		{`{"Name":"x","TTL":"1m","Interval":"ten"}`, `Interval: invalid duration "ten"`},
		{`{"Name":"x","Script":"echo hi","Interval":"1s"}`, "use Args"},
		{`{"Name":"x","Args":["echo"],"Interval":"1s"}`, "script checks are disabled"},
		{`{"Name":"x","H2PING":"localhost:1","Interval":"1s"}`, "H2PING"},
	} {
		if body := put("/v1/agent/check/register", c.body, 400); !strings.Contains(body, c.want) {
			t.Errorf("%s: %q, want %q", c.body, body, c.want)
		}
	}

	resp, body := do(t, ts, "GET", "/v1/agent/checks", nil)
	expectStatus(t, resp, body, http.StatusOK)
	var got map[string]map[string]interface{}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]interface{}{
		"Node": "node1", "CheckID": "web-ttl", "Name": "web ttl", "Status": "passing", "Notes": "", "Output": "",
		"ServiceID": "web", "ServiceName": "web", "ServiceTags": []interface{}{"t1"}, "Type": "ttl",
		"ExposedPort": float64(0), "Definition": map[string]interface{}{},
	}
	if !reflect.DeepEqual(got["web-ttl"], want) {
		t.Errorf("check\n got %v\nwant %v", got["web-ttl"], want)
	}
	if len(got) != 3 || got["mem"]["ServiceTags"] == nil || got["mem"]["Status"] != "critical" || got["tcp"]["Type"] != "tcp" {
		t.Errorf("checks: %s", body)
	}
	resp, body = do(t, ts, "GET", "/v1/agent/checks?filter="+urlQuery("ServiceName == web"), nil)
	expectStatus(t, resp, body, http.StatusOK)
	if !strings.HasPrefix(body, `{"web-ttl":`) || strings.Contains(body, `"mem"`) {
		t.Errorf("filtered checks: %s", body)
	}

	put("/v1/agent/check/warn/mem?note=low", "", 200)
	put("/v1/agent/check/fail/tcp", "", 400) // not a TTL check
	put("/v1/agent/check/pass/ghost", "", 404)
	put("/v1/agent/check/pass/", "", 400)
	put("/v1/agent/check/update/web-ttl", `{"status":"critical","output":"down"}`, 200)
	put("/v1/agent/check/update/web-ttl", `{"Status":"fine"}`, 400)
	put("/v1/agent/check/update/web-ttl", `{"Status":"maintenance"}`, 400)
	put("/v1/agent/check/update/web-ttl", `{"Status":1}`, 400)
	put("/v1/agent/check/update/web-ttl", ``, 400)
	checksByID := map[string]*catalog.HealthCheck{}
	for _, c := range fa.LocalChecks() {
		checksByID[c.CheckID] = c
	}
	if c := checksByID["mem"]; c.Status != "warning" || c.Output != "low" {
		t.Errorf("mem after warn: %+v", c)
	}
	if c := checksByID["web-ttl"]; c.Status != "critical" || c.Output != "down" {
		t.Errorf("web-ttl after update: %+v", c)
	}

	put("/v1/agent/check/deregister/mem", "", 200)
	put("/v1/agent/check/deregister/mem", "", 404)
	put("/v1/agent/check/deregister/", "", 400)
}

func TestAgentMaintenanceAndReload(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	resp, body := do(t, ts, "PUT", "/v1/agent/service/register", strings.NewReader(`{"Name":"web"}`))
	expectStatus(t, resp, body, http.StatusOK)

	for _, c := range []struct {
		path string
		want int
	}{
		{"/v1/agent/maintenance", 400},
		{"/v1/agent/maintenance?enable", 400},
		{"/v1/agent/maintenance?enable=maybe", 400},
		{"/v1/agent/service/maintenance/web", 400},
		{"/v1/agent/service/maintenance/ghost?enable=true", 404},
		{"/v1/agent/service/maintenance/?enable=true", 400},
		{"/v1/agent/maintenance?enable=true&reason=patching", 200},
		{"/v1/agent/service/maintenance/web?enable=1", 200},
	} {
		resp, body := do(t, ts, "PUT", c.path, nil)
		expectStatus(t, resp, body, c.want)
	}
	chks := fa.LocalChecks()
	if len(chks) != 2 || chks[0].CheckID != "_node_maintenance" || chks[0].Notes != "patching" ||
		chks[1].CheckID != "_service_maintenance:web" || chks[1].Status != "critical" || chks[1].Type != "maintenance" {
		t.Errorf("maintenance checks: %+v %+v", chks[0], chks[1])
	}
	resp, body = do(t, ts, "PUT", "/v1/agent/maintenance?enable=false", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if len(fa.LocalChecks()) != 1 {
		t.Errorf("node maintenance not lifted: %v", fa.LocalChecks())
	}

	resp, body = do(t, ts, "PUT", "/v1/agent/reload", nil)
	expectStatus(t, resp, body, http.StatusOK)
	fa.fakeLocal.mu.Lock()
	fa.reloadErr = errReloadFailed
	fa.fakeLocal.mu.Unlock()
	resp, body = do(t, ts, "PUT", "/v1/agent/reload", nil)
	expectStatus(t, resp, body, http.StatusInternalServerError)
	if !strings.Contains(body, "broken.json") {
		t.Errorf("reload error: %q", body)
	}
	if fa.reloads != 2 {
		t.Errorf("reloads %d", fa.reloads)
	}
}

func TestAgentLocalWithConsulClient(t *testing.T) {
	fa, _, client := newTestServer(t, nil)
	agent := client.Agent()

	reg := &api.AgentServiceRegistration{
		ID: "web-1", Name: "web", Tags: []string{"v1"}, Port: 8080, Address: "10.0.0.7",
		Meta: map[string]string{"env": "prod"}, Weights: &api.AgentWeights{Passing: 5, Warning: 1},
		Checks: api.AgentServiceChecks{
			{CheckID: "web-ttl", TTL: "30s", Status: "passing"},
			{HTTP: "http://10.0.0.7:8080/health", Interval: "10s", Timeout: "2s", DeregisterCriticalServiceAfter: "1h"},
		},
	}
	if err := agent.ServiceRegisterOpts(reg, api.ServiceRegisterOpts{ReplaceExistingChecks: true}); err != nil {
		t.Fatalf("ServiceRegisterOpts: %v", err)
	}
	if !fa.lastOpts.ReplaceExistingChecks {
		t.Error("ReplaceExistingChecks did not reach the agent")
	}
	if err := agent.ServiceRegister(&api.AgentServiceRegistration{Name: "db"}); err != nil {
		t.Fatalf("ServiceRegister: %v", err)
	}
	err := agent.ServiceRegister(&api.AgentServiceRegistration{Name: "x", Kind: api.ServiceKindConnectProxy})
	var se api.StatusError
	if !errors.As(err, &se) || se.Code != 400 {
		t.Errorf("connect proxy registration: %v", err)
	}

	services, err := agent.Services()
	if err != nil || len(services) != 2 {
		t.Fatalf("Services: %v %v", services, err)
	}
	want := &api.AgentService{
		ID: "web-1", Service: "web", Tags: []string{"v1"}, Port: 8080, Address: "10.0.0.7",
		Meta: map[string]string{"env": "prod"}, Weights: api.AgentWeights{Passing: 5, Warning: 1}, Datacenter: "dc1",
	}
	if !reflect.DeepEqual(services["web-1"], want) {
		t.Errorf("service\n got %+v\nwant %+v", services["web-1"], want)
	}
	if db := services["db"]; db.Weights != (api.AgentWeights{Passing: 1, Warning: 1}) || db.Tags == nil || db.Meta == nil {
		t.Errorf("db: %+v", db)
	}
	filtered, err := agent.ServicesWithFilter(`Service == "db"`)
	if err != nil || len(filtered) != 1 || filtered["db"] == nil {
		t.Errorf("ServicesWithFilter: %v %v", filtered, err)
	}
	one, _, err := agent.Service("web-1", nil)
	if err != nil || one.ContentHash == "" || one.Port != 8080 {
		t.Errorf("Service: %+v %v", one, err)
	}
	if _, _, err := agent.Service("ghost", nil); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("Service(ghost): %v", err)
	}

	if err := agent.CheckRegister(&api.AgentCheckRegistration{
		Name: "disk", Notes: "disk space", AgentServiceCheck: api.AgentServiceCheck{TTL: "1m"},
	}); err != nil {
		t.Fatalf("CheckRegister: %v", err)
	}
	if err := agent.CheckRegister(&api.AgentCheckRegistration{
		ID: "db-tcp", Name: "db tcp", ServiceID: "db",
		AgentServiceCheck: api.AgentServiceCheck{TCP: "127.0.0.1:5432", Interval: "5s", FailuresBeforeCritical: 3},
	}); err != nil {
		t.Fatalf("CheckRegister service check: %v", err)
	}
	if err := agent.PassTTL("disk", "ok"); err != nil {
		t.Errorf("PassTTL: %v", err)
	}
	if err := agent.WarnTTL("web-ttl", "slow"); err != nil {
		t.Errorf("WarnTTL: %v", err)
	}
	if err := agent.FailTTL("db-tcp", "x"); !errors.As(err, &se) || se.Code != 400 {
		t.Errorf("FailTTL on a TCP check: %v", err)
	}
	if err := agent.UpdateTTL("disk", "90% full", api.HealthWarning); err != nil {
		t.Errorf("UpdateTTL: %v", err)
	}
	if err := agent.UpdateTTL("disk", "gone", "fail"); err != nil {
		t.Errorf("UpdateTTL(fail): %v", err)
	}

	if err := agent.EnableServiceMaintenance("web-1", "deploying"); err != nil {
		t.Errorf("EnableServiceMaintenance: %v", err)
	}
	if err := agent.EnableNodeMaintenance("kernel upgrade"); err != nil {
		t.Errorf("EnableNodeMaintenance: %v", err)
	}
	chks, err := agent.Checks()
	if err != nil {
		t.Fatalf("Checks: %v", err)
	}
	expect := map[string]string{
		"disk": "critical", "web-ttl": "warning", "service:web-1:2": "critical", "db-tcp": "critical",
		"_service_maintenance:web-1": "critical", "_node_maintenance": "critical",
	}
	if len(chks) != len(expect) {
		t.Errorf("Checks: %d, want %d", len(chks), len(expect))
	}
	for id, status := range expect {
		if c := chks[id]; c == nil || c.Status != status || c.Node != "node1" {
			t.Errorf("check %s: %+v, want status %s", id, c, status)
		}
	}
	if c := chks["web-ttl"]; c.ServiceName != "web" || c.Output != "slow" || c.Type != "ttl" {
		t.Errorf("web-ttl: %+v", c)
	}
	if c := chks["_node_maintenance"]; c.Notes != "kernel upgrade" {
		t.Errorf("node maintenance: %+v", c)
	}
	if c := chks["disk"]; c.Output != "gone" || c.Notes != "disk space" {
		t.Errorf("disk: %+v", c)
	}
	filteredChecks, err := agent.ChecksWithFilter(`Type == "maintenance"`)
	if err != nil || len(filteredChecks) != 2 {
		t.Errorf("ChecksWithFilter: %v %v", filteredChecks, err)
	}
	if err := agent.DisableServiceMaintenance("web-1"); err != nil {
		t.Errorf("DisableServiceMaintenance: %v", err)
	}
	if err := agent.DisableNodeMaintenance(); err != nil {
		t.Errorf("DisableNodeMaintenance: %v", err)
	}
	if err := agent.CheckDeregister("disk"); err != nil {
		t.Errorf("CheckDeregister: %v", err)
	}
	if err := agent.ServiceDeregister("web-1"); err != nil {
		t.Errorf("ServiceDeregister: %v", err)
	}
	if err := agent.ServiceDeregister("web-1"); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("second ServiceDeregister: %v", err)
	}
	chks, _ = agent.Checks()
	if len(chks) != 1 || chks["db-tcp"] == nil {
		t.Errorf("checks left: %v", chks)
	}
	if err := agent.Reload(); err != nil {
		t.Errorf("Reload: %v", err)
	}
}
