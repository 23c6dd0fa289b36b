// Package deploy_test checks the files operators install (deploy/):
// the systemd units pass systemd-analyze verify, the example
// configurations load, install.sh installs into a scratch root and is
// shellcheck-clean, and a real Prometheus discovers and scrapes every
// agent of a live cluster with the scrape configurations here.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// need returns the path of program, or skips the test when it is
// absent; under CONCORD_E2E=1 (CI, which installs it) it fails instead.
func need(t *testing.T, program, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		if os.Getenv("CONCORD_E2E") == "1" {
			t.Fatalf("%s is not on PATH and CONCORD_E2E=1: install %s", program, pkg)
		}
		t.Skipf("%s is not on PATH (apt-get install %s); CONCORD_E2E=1 makes this a failure", program, pkg)
	}
	return path
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// concordBinary builds cmd/concord once for the tests of this package.
func concordBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "concord-deploy")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "concord")
		if out, err := exec.Command("go", "build", "-o", binPath, "../cmd/concord").CombinedOutput(); err != nil {
			binErr = &buildError{err: err, out: string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }
