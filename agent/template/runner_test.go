package template_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/template"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSeedHAProxyTemplate renders the haproxy.cfg of the Norwegian seed's
// setup (MariaDB cluster and registrator's helloworld containers) and
// compares it byte for byte with the expected file.
func TestSeedHAProxyTemplate(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	reg := func(node, addr, id, svc string, port int, tags []string, status string) {
		t.Helper()
		_, err := c.Catalog().Register(&api.CatalogRegistration{Node: node, Address: addr,
			Service: &api.AgentService{ID: id, Service: svc, Port: port, Tags: tags},
			Checks:  api.HealthChecks{{Node: node, CheckID: id, Name: id, Status: status, ServiceID: id}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	reg("db3", "10.1.0.13", "MariaDB", "MariaDB", 3306, []string{"mariadb", "mycluster"}, api.HealthPassing)
	reg("db1", "10.1.0.11", "MariaDB", "MariaDB", 3306, []string{"mariadb", "mycluster"}, api.HealthPassing)
	reg("db2", "10.1.0.12", "MariaDB", "MariaDB", 3306, []string{"mariadb", "mycluster"}, api.HealthCritical)
	reg("swarm1", "10.1.0.21", "hello-b", "helloworld", 32769, nil, api.HealthPassing)
	reg("swarm1", "10.1.0.21", "hello-a", "helloworld", 32768, nil, api.HealthPassing)
	if _, err := c.KV().Put(&api.KVPair{Key: "haproxy/maxconn", Value: []byte("4096")}, nil); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/haproxy.cfg.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/haproxy.cfg.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got := renderOnce(t, c, string(src)); got != string(want) {
		t.Errorf("haproxy.cfg:\n%s\nwant:\n%s", got, want)
	}
}

// TestDaemonRerendersOnChange runs the daemon: a KV change and a health
// change each re-render within 1 s after the quiet period, the command
// runs after each write, the file keeps its mode and owner, and while the
// agent is down the file stays as it was.
func TestDaemonRerendersOnChange(t *testing.T) {
	a, _, c := agenttest.StartDev(t)
	put := func(k, v string) {
		t.Helper()
		if _, err := c.KV().Put(&api.KVPair{Key: k, Value: []byte(v)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	setHealth := func(status string) {
		t.Helper()
		_, err := c.Catalog().Register(&api.CatalogRegistration{Node: "n1", Address: "10.0.0.1",
			Service: &api.AgentService{ID: "web1", Service: "web", Port: 80},
			Checks:  api.HealthChecks{{Node: "n1", CheckID: "web1", Name: "web1", Status: status, ServiceID: "web1"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	put("app/greeting", "hello")
	setHealth(api.HealthPassing)

	dir := t.TempDir()
	in, out, runs := filepath.Join(dir, "in.tmpl"), filepath.Join(dir, "out.cfg"), filepath.Join(dir, "runs")
	src := "greeting={{ key \"app/greeting\" }}\nweb={{ range service \"web\" }}{{ .Address }}:{{ .Port }} {{ end }}\n"
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	wait := template.Wait{Min: 200 * time.Millisecond, Max: 800 * time.Millisecond}
	r, err := template.New(template.Config{
		Templates: []template.Spec{{Source: in, Destination: out, Wait: wait,
			Command: "echo ran >> " + runs + "; echo reloaded haproxy"}},
		Client: c,
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Info}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})

	waitFile := func(want string, bound time.Duration) {
		t.Helper()
		start := time.Now()
		agenttest.WaitFor(t, 30*time.Second, "the file to read "+want, func() error {
			b, _ := os.ReadFile(out)
			if string(b) != want {
				return fmt.Errorf("file is %q", b)
			}
			return nil
		})
		el := time.Since(start)
		if bound > 0 {
			t.Logf("%q rendered %v after the change (wait %v:%v)", want, el, wait.Min, wait.Max)
		}
		if bound > 0 && el > bound {
			t.Errorf("re-rendered after %v, want within %v (the wait's max plus 1 s)", el, bound)
		}
	}
	runCount := func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "ran")
	}
	waitFile("greeting=hello\nweb=10.0.0.1:80 \n", 0)
	agenttest.WaitFor(t, 30*time.Second, "the command's first run", func() error {
		if n := runCount(); n != 1 {
			return fmt.Errorf("command ran %d times", n)
		}
		return nil
	})
	if err := os.Chmod(out, 0o600); err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0
	if root {
		if err := os.Chown(out, 4242, 4343); err != nil {
			t.Fatal(err)
		}
	}

	bound := wait.Max + time.Second
	put("app/greeting", "world")
	waitFile("greeting=world\nweb=10.0.0.1:80 \n", bound)
	setHealth(api.HealthCritical)
	waitFile("greeting=world\nweb=\n", bound)
	agenttest.WaitFor(t, 30*time.Second, "the command after each change", func() error {
		if n := runCount(); n != 3 {
			return fmt.Errorf("command ran %d times, want 3", n)
		}
		return nil
	})
	if !strings.Contains(logs.String(), "reloaded haproxy") {
		t.Errorf("the command's output is not logged:\n%s", logs.String())
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's own 0600 kept", fi.Mode().Perm())
	}
	if st := fi.Sys().(*syscall.Stat_t); root && (st.Uid != 4242 || st.Gid != 4343) {
		t.Errorf("owner %d:%d, want 4242:4343 kept", st.Uid, st.Gid)
	}

	// The agent stops: every query fails. The file stays as it was, no
	// temporary file is left, and the command does not run.
	a.Shutdown()
	agenttest.WaitFor(t, 30*time.Second, "the runner to see the failure", func() error {
		if !strings.Contains(logs.String(), "query failed") {
			return fmt.Errorf("no failure logged yet")
		}
		return nil
	})
	if b, _ := os.ReadFile(out); string(b) != "greeting=world\nweb=\n" {
		t.Errorf("file changed while the agent was down: %q", b)
	}
	if n := runCount(); n != 3 {
		t.Errorf("command ran %d times while the agent was down", n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("files left in the directory: %v", entries)
	}
}

// TestFailedQueryKeepsOldFile: a template whose query fails (an unknown
// datacenter) is not written, although its other query answers, and
// -once reports the failure.
func TestFailedQueryKeepsOldFile(t *testing.T) {
	_, _, c := agenttest.StartDev(t)
	if _, err := c.KV().Put(&api.KVPair{Key: "app/greeting", Value: []byte("hello")}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.tmpl"), filepath.Join(dir, "out")
	os.WriteFile(in, []byte(`{{ key "app/greeting" }} {{ range service "web@nowhere" }}{{ .Address }}{{ end }}`), 0o644)
	os.WriteFile(out, []byte("old\n"), 0o640)
	r, err := template.New(template.Config{Templates: []template.Spec{{Source: in, Destination: out}}, Client: c})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Once(ctx); err == nil {
		t.Fatal("Once succeeded with a failing query")
	}
	if b, _ := os.ReadFile(out); string(b) != "old\n" {
		t.Errorf("file is %q, want the old one", b)
	}
}

func TestParseSpecAndWait(t *testing.T) {
	sp, err := template.ParseSpec("in.tmpl:out.cfg:systemctl reload haproxy")
	if err != nil || sp.Source != "in.tmpl" || sp.Destination != "out.cfg" || sp.Command != "systemctl reload haproxy" {
		t.Errorf("ParseSpec = %+v, %v", sp, err)
	}
	if _, err := template.ParseSpec("in.tmpl"); err == nil {
		t.Error("a spec without destination parsed")
	}
	w, err := template.ParseWait("2s:10s")
	if err != nil || w.Min != 2*time.Second || w.Max != 10*time.Second {
		t.Errorf("ParseWait = %+v, %v", w, err)
	}
	if w, _ := template.ParseWait("5s"); w.Max != 20*time.Second {
		t.Errorf("ParseWait(5s).Max = %v, want 4 x min", w.Max)
	}
	if _, err := template.ParseWait("10s:5s"); err == nil {
		t.Error("max below min parsed")
	}
}
