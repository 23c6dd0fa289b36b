package checks

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func shScript(script string) Spec {
	return withDefaults(Spec{Args: []string{"/bin/sh", "-c", script}})
}

func TestScriptExitCodes(t *testing.T) {
	cases := []struct {
		script string
		status string
		output string
	}{
		{"echo all good", catalog.HealthPassing, "all good\n"},
		{"echo degraded >&2; exit 1", catalog.HealthWarning, "degraded\n"},
		{"echo out; echo err >&2; exit 2", catalog.HealthCritical, "out\nerr\n"},
		{"kill -9 $$", catalog.HealthCritical, ""},
	}
	for _, c := range cases {
		status, out := runProbe(newScriptProbe(shScript(c.script)), 5*time.Second)
		if status != c.status || out != c.output {
			t.Errorf("%q: got %s %q, want %s %q", c.script, status, out, c.status, c.output)
		}
	}
}

func TestScriptNotFound(t *testing.T) {
	status, out := runProbe(newScriptProbe(withDefaults(Spec{Args: []string{"/no/such/program"}})), 5*time.Second)
	if status != catalog.HealthCritical || !strings.Contains(out, "no such file") {
		t.Errorf("got %s %q", status, out)
	}
}

func TestScriptOutputTruncated(t *testing.T) {
	spec := shScript("printf '%0100d' 0")
	spec.OutputMaxSize = 10
	_, out := runProbe(newScriptProbe(spec), 5*time.Second)
	if want := "0000000000\n... (captured 10 of 100 bytes)"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

func TestScriptTimeoutKillsGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process groups are killed on unix; checked on linux")
	}
	pidFile := filepath.Join(t.TempDir(), "child")
	// The child sleeps in the background, holding the output pipe; the
	// script waits for it.
	spec := shScript("sleep 30 & echo $! > " + pidFile + "; wait")
	spec.Timeout = 300 * time.Millisecond
	start := time.Now()
	status, out := runProbe(newScriptProbe(spec), spec.Timeout)
	if status != catalog.HealthCritical || out != "Timed out (300ms) running check" {
		t.Errorf("got %s %q", status, out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// The killed child is a zombie until init reaps it; /proc tells a
	// zombie from a live process.
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
			t.Fatalf("the script's child %d outlived the timeout: %s", pid, stat)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestScriptCheckRuns(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "healthy")
	os.WriteFile(flag, nil, 0o600)
	_, rec := startCheck(t, Spec{
		ID:       "script",
		Args:     []string{"/bin/sh", "-c", "test -e " + flag},
		Interval: 50 * time.Millisecond,
	}, Deps{})
	rec.waitStatus(t, catalog.HealthPassing)
	os.Remove(flag)
	rec.waitStatus(t, catalog.HealthWarning) // test exits 1
}
