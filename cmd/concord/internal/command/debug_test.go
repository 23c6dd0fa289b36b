package command

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/consul/api"
)

const (
	debugToken   = "5f0c2a9e-1d7b-4c3e-9a8f-7b6e5d4c3b2a"
	debugEncrypt = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
)

// readArchive returns the files of a .tar.gz by their path under the
// archive's top directory.
func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		top, name, _ := strings.Cut(hdr.Name, "/")
		if top != strings.TrimSuffix(filepath.Base(path), ".tar.gz") {
			t.Fatalf("entry %s outside the archive's directory", hdr.Name)
		}
		files[name], _ = io.ReadAll(tr)
	}
}

func startDebugAgent(t *testing.T, enableDebug bool) (string, *api.Client) {
	_, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = debugToken
		cfg.EncryptKey = debugEncrypt
		cfg.EnableDebug = enableDebug
	})
	c, err := api.NewClient(&api.Config{Address: addr, Token: debugToken})
	if err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 10*time.Second, "the management token works", func() error {
		_, _, err := c.ACL().TokenReadSelf(nil)
		return err
	})
	return addr, c
}

func TestDebugArchive(t *testing.T) {
	addr, c := startDebugAgent(t, true)
	out := filepath.Join(t.TempDir(), "capture")
	go func() {
		// A debug-level line logged during the capture.
		time.Sleep(time.Second)
		c.Event().Fire(&api.UserEvent{Name: "debug-capture-marker"}, nil)
	}()
	env := map[string]string{"CONSUL_HTTP_ADDR": addr, "CONSUL_HTTP_TOKEN": debugToken}
	r := runCLI(t, env, "", "debug", "-duration=3s", "-interval=1s", "-output", out)
	if r.code != 0 || r.stdout != out+".tar.gz\n" {
		t.Fatalf("debug: %+v", r)
	}
	for _, want := range []string{"==> Starting debugger", "==> Capture interval 0", "==> Capture successful"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("progress on stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	files := readArchive(t, out+".tar.gz")
	intervals := map[string]int{}
	for name := range files {
		if dir, file, ok := strings.Cut(name, "/"); ok {
			intervals[dir]++
			if !strings.HasSuffix(file, ".json") && !strings.HasSuffix(file, ".prom") && !strings.HasSuffix(file, ".prof") {
				t.Errorf("unexpected file %s", name)
			}
		}
	}
	if len(intervals) < 2 {
		t.Errorf("%d interval directories in %d s at 1 s intervals: %v", len(intervals), 3, intervals)
	}
	for dir, n := range intervals {
		for _, f := range []string{"metrics.json", "metrics.prom", "goroutine.prof", "heap.prof"} {
			if _, ok := files[dir+"/"+f]; !ok {
				t.Errorf("%s/%s missing (%d files there)", dir, f, n)
			}
		}
		if !strings.Contains(string(files[dir+"/metrics.prom"]), "concord_") {
			t.Errorf("%s/metrics.prom is not the Prometheus exposition", dir)
		}
	}
	for _, f := range []string{"index.json", "agent.json", "members.json", "profile.prof", "concord.log"} {
		if len(files[f]) == 0 {
			t.Errorf("%s missing or empty", f)
		}
	}
	if !strings.Contains(string(files["concord.log"]), "debug-capture-marker") {
		t.Errorf("the log captured during the run lacks the line logged then:\n%s", files["concord.log"])
	}
	var idx debugIndex
	if err := json.Unmarshal(files["index.json"], &idx); err != nil || idx.AgentName != "dev" || len(idx.Targets) != 5 || idx.NotCaptured != nil {
		t.Errorf("index.json %+v %v", idx, err)
	}
	// No secret anywhere: not the token, not the gossip key.
	for name, data := range files {
		for _, secret := range []string{debugToken, debugEncrypt, strings.TrimRight(debugEncrypt, "=")} {
			if strings.Contains(string(data), secret) {
				i := strings.Index(string(data), secret)
				t.Errorf("%s contains a secret: ...%s...", name, string(data)[max(i-300, 0):i])
			}
		}
	}
}

func TestDebugSaysWhenProfilingIsOff(t *testing.T) {
	addr, _ := startDebugAgent(t, false)
	out := filepath.Join(t.TempDir(), "capture")
	env := map[string]string{"CONSUL_HTTP_ADDR": addr, "CONSUL_HTTP_TOKEN": debugToken}
	r := runCLI(t, env, "", "debug", "-duration=1s", "-interval=1s", "-output", out, "-capture", "pprof", "-capture", "agent")
	if r.code != 0 || !strings.Contains(r.stderr, "pprof: not captured: enable_debug is off on the agent") {
		t.Fatalf("debug without enable_debug: %+v", r)
	}
	files := readArchive(t, out+".tar.gz")
	var idx debugIndex
	if err := json.Unmarshal(files["index.json"], &idx); err != nil || !strings.Contains(idx.NotCaptured["pprof"], "enable_debug") {
		t.Fatalf("index.json %s %v", files["index.json"], err)
	}
	for name := range files {
		if strings.HasSuffix(name, ".prof") {
			t.Errorf("%s captured with enable_debug off", name)
		}
	}
	if r := runCLI(t, env, "", "debug", "-duration=1s", "-interval=1s", "-output", out); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("second run onto the same archive: %+v", r)
	}
	if r := runCLI(t, env, "", "debug", "-capture", "everything"); r.code == 0 {
		t.Fatalf("unknown target accepted: %+v", r)
	}
}

func TestRedactHidesSecretsAtAnyDepth(t *testing.T) {
	in := map[string]interface{}{
		"Config": map[string]interface{}{"NodeName": "n1", "EncryptKey": "k"},
		"DebugConfig": map[string]interface{}{
			"ACL":    map[string]interface{}{"Tokens": map[string]interface{}{"Agent": "t", "InitialManagement": "im"}, "InitialManagementToken": "m", "TokenTTL": "30s"},
			"TLS":    map[string]interface{}{"KeyFile": "/etc/key.pem", "CAKey": "pem"},
			"Checks": []interface{}{map[string]interface{}{"Header": map[string]interface{}{"X-Consul-Token": "x"}}},
			"Empty":  map[string]interface{}{"Token": ""},
		},
	}
	buf, _ := json.Marshal(redact(in))
	for _, secret := range []string{`"k"`, `"m"`, `"t"`, `"im"`, `"pem"`, `"x"`} {
		if strings.Contains(string(buf), secret) {
			t.Errorf("%s survived redaction: %s", secret, buf)
		}
	}
	if !strings.Contains(string(buf), "/etc/key.pem") || !strings.Contains(string(buf), `"Token":""`) || !strings.Contains(string(buf), `"30s"`) {
		t.Errorf("redaction hid a path or filled an empty value: %s", buf)
	}
}
