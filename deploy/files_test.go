package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-uuid"
)

// TestSystemdUnitsVerify runs systemd-analyze verify on the units, the
// DNS-on-53 drop-in merged into each agent unit. verify insists that
// every Exec path exists, so the copies point at a freshly built concord
// instead of /usr/local/bin/concord; nothing else is changed.
func TestSystemdUnitsVerify(t *testing.T) {
	analyze := need(t, "systemd-analyze", "systemd")
	bin := concordBinary(t)
	dir := t.TempDir()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "/usr/local/bin/concord") && strings.HasSuffix(name, ".service") {
			t.Fatalf("%s does not run /usr/local/bin/concord", name)
		}
		return strings.ReplaceAll(string(b), "/usr/local/bin/concord", bin)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dropIn := read("concord-dns53.conf")
	var units []string
	for _, name := range []string{"concord-server.service", "concord-client.service", "concord-snapshot.service", "concord-snapshot.timer"} {
		units = append(units, write(name, read(name)))
	}
	for _, role := range []string{"server", "client"} {
		units = append(units, write("concord-"+role+"-dns53.service", read("concord-"+role+".service")+"\n"+dropIn))
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, units...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if len(out) > 0 {
		t.Logf("systemd-analyze verify said:\n%s", out)
	}
	for _, bad := range []string{"Unknown key", "Unknown section", "Failed to parse", "Invalid"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("systemd-analyze verify: %s", out)
		}
	}
	// Only the DNS-on-53 variant may bind low ports.
	for _, name := range []string{"concord-server.service", "concord-client.service"} {
		for _, line := range strings.Split(read(name), "\n") {
			if strings.HasPrefix(line, "AmbientCapabilities=") && line != "AmbientCapabilities=" {
				t.Errorf("%s grants %s outside the dns53 drop-in", name, line)
			}
		}
	}
	if !strings.Contains(dropIn, "\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n") {
		t.Error("the dns53 drop-in does not grant CAP_NET_BIND_SERVICE")
	}
}

// TestExampleConfigsValidate: the example configurations load with
// `concord validate`, alone and as an installed directory with a
// secrets file and the DNS-on-53 file.
func TestExampleConfigsValidate(t *testing.T) {
	bin := concordBinary(t)
	validate := func(args ...string) {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"validate"}, args...)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Configuration is valid") {
			t.Errorf("concord validate %v: %v\n%s", args, err, out)
		}
	}
	validate("config/server.yaml")
	validate("config/client.yaml")

	key, err := exec.Command(bin, "keygen").Output()
	if err != nil {
		t.Fatal(err)
	}
	token, _ := uuid.GenerateUUID()
	for _, role := range []string{"server", "client"} {
		dir := t.TempDir()
		cfg, err := os.ReadFile(filepath.Join("config", role+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		dns53, err := os.ReadFile("config/dns53.yaml")
		if err != nil {
			t.Fatal(err)
		}
		secrets := fmt.Sprintf("encrypt: %q\n", strings.TrimSpace(string(key)))
		if role == "client" {
			secrets += fmt.Sprintf("acl:\n  tokens:\n    agent: %q\n", token)
		}
		for name, text := range map[string][]byte{"concord.yaml": cfg, "dns53.yaml": dns53, "secrets.yaml": []byte(secrets)} {
			if err := os.WriteFile(filepath.Join(dir, name), text, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		validate(dir)
	}
}

// TestInstallScript installs into a scratch root twice (it must be
// idempotent and keep an edited configuration) and checks owners and
// modes. It needs root, for chown.
func TestInstallScript(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("install.sh chowns files: run as root")
	}
	bin := concordBinary(t)
	root := t.TempDir()
	install := func() string {
		t.Helper()
		out, err := exec.Command("bash", "install.sh", "--role", "server", "--binary", bin, "--root", root,
			"--user", "nobody", "--group", "nogroup", "--dns53").CombinedOutput()
		if err != nil {
			t.Fatalf("install.sh: %v\n%s", err, out)
		}
		return string(out)
	}
	install()
	cfg := filepath.Join(root, "etc/concord.d/concord.yaml")
	if err := os.WriteFile(cfg, []byte("# edited\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if out := install(); !strings.Contains(out, "kept /etc/concord.d/concord.yaml") {
		t.Errorf("second run did not keep the configuration:\n%s", out)
	}
	if b, _ := os.ReadFile(cfg); string(b) != "# edited\n" {
		t.Errorf("the edited configuration was replaced: %q", b)
	}
	nobody, nogroup := lookupIDs(t, "nobody", "nogroup")
	for _, c := range []struct {
		path     string
		mode     os.FileMode
		uid, gid int
	}{
		{"usr/local/bin/concord", 0o755, 0, 0},
		{"etc/concord.d", os.ModeDir | 0o750, 0, nogroup},
		{"etc/concord.d/tls", os.ModeDir | 0o750, 0, nogroup},
		{"etc/concord.d/concord.yaml", 0o640, 0, nogroup},
		{"etc/concord.d/dns53.yaml", 0o640, 0, nogroup},
		{"var/lib/concord", os.ModeDir | 0o750, nobody, nogroup},
		{"etc/systemd/system/concord-server.service", 0o644, 0, 0},
		{"etc/systemd/system/concord-server.service.d/dns53.conf", 0o644, 0, 0},
		{"etc/systemd/system/concord-snapshot.timer", 0o644, 0, 0},
		{"usr/share/doc/concord/examples/dhclient-concord.conf", 0o644, 0, 0},
	} {
		fi, err := os.Stat(filepath.Join(root, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		uid, gid := owner(fi)
		if fi.Mode()&(os.ModeDir|os.ModePerm) != c.mode || uid != c.uid || gid != c.gid {
			t.Errorf("%s: mode %v owner %d:%d, want %v %d:%d", c.path, fi.Mode(), uid, gid, c.mode, c.uid, c.gid)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "usr/local/bin/concord")); err != nil || len(b) == 0 {
		t.Errorf("binary not installed: %v", err)
	}
}

// TestScriptsShellcheck: the shell scripts pass shellcheck.
func TestScriptsShellcheck(t *testing.T) {
	sc := need(t, "shellcheck", "shellcheck")
	out, err := exec.Command(sc, "install.sh", "prometheus/build-prometheus.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
	for _, script := range []string{"install.sh", "prometheus/build-prometheus.sh"} {
		out, err := exec.Command("bash", script, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage") {
			t.Errorf("%s --help: %v\n%s", script, err, out)
		}
	}
}
