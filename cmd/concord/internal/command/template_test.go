package command

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTemplateOnceRendersAndRunsCommand(t *testing.T) {
	f := newFakeAgent(t)
	f.on("GET /v1/kv/app/port", func(w http.ResponseWriter, c call) {
		w.Header().Set("X-Consul-Index", "7")
		w.Write([]byte(`[{"Key":"app/port","Value":"ODA4MA==","ModifyIndex":7}]`))
	})
	f.on("GET /v1/health/service/web", func(w http.ResponseWriter, c call) {
		if !strings.Contains(c.Query, "passing") {
			t.Errorf("healthy instances are asked with ?passing: %q", c.Query)
		}
		w.Header().Set("X-Consul-Index", "9")
		w.Write([]byte(`[{"Node":{"Node":"n1","Address":"10.0.0.1"},"Service":{"ID":"web1","Service":"web","Port":80},"Checks":[]}]`))
	})
	dir := t.TempDir()
	in, out, ran := filepath.Join(dir, "in.tmpl"), filepath.Join(dir, "out.cfg"), filepath.Join(dir, "ran")
	os.WriteFile(in, []byte(`port={{ key "app/port" }}{{ range service "web" }} {{ .Address }}{{ end }}`), 0o644)
	got := runCLI(t, f.env(), "", "template", "-once", "-wait", "1s:2s", "-template", in+":"+out+":touch "+ran)
	if got.code != 0 {
		t.Fatalf("exit %d: %s", got.code, got.stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "port=8080 10.0.0.1" {
		t.Errorf("rendered %q", b)
	}
	if _, err := os.Stat(ran); err != nil {
		t.Errorf("the command did not run: %v", err)
	}
}

func TestTemplateArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"template"}, "At least one -template is required"},
		{[]string{"template", "-template", "only-source"}, "want source:destination"},
		{[]string{"template", "-template", "a:b", "-wait", "5s:1s"}, "need 0 <= min <= max"},
		{[]string{"template", "-template", "/nonexistent/in:out", "-once"}, "no such file"},
	} {
		got := runCLI(t, map[string]string{"CONSUL_HTTP_ADDR": "127.0.0.1:1"}, "", tc.args...)
		if got.code != 1 || !strings.Contains(got.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args, got.code, got.stderr, tc.want)
		}
	}
}
