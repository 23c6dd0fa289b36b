package checks

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	status, out := runProbe(newTCPProbe(withDefaults(Spec{TCP: addr})), 5*time.Second)
	if status != catalog.HealthPassing || out != "TCP connect "+addr+": Success" {
		t.Errorf("listening: got %s %q", status, out)
	}
	l.Close()
	status, out = runProbe(newTCPProbe(withDefaults(Spec{TCP: addr})), 5*time.Second)
	if status != catalog.HealthCritical || !strings.Contains(out, "refused") {
		t.Errorf("closed: got %s %q", status, out)
	}
}

func TestTCPCheckRuns(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, rec := startCheck(t, Spec{ID: "db", TCP: l.Addr().String(), Interval: 50 * time.Millisecond}, Deps{})
	rec.waitStatus(t, catalog.HealthPassing)
	l.Close()
	rec.waitStatus(t, catalog.HealthCritical)
}
