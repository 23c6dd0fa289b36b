package checks

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestUDP(t *testing.T) {
	// A listener that answers every datagram.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	addr := pc.LocalAddr().String()
	status, out := runProbe(newUDPProbe(withDefaults(Spec{UDP: addr})), 5*time.Second)
	if status != catalog.HealthPassing || out != "UDP connect "+addr+": Success" {
		t.Errorf("answering: got %s %q", status, out)
	}

	// A listener that never answers: silence is passing.
	quiet, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	status, out = runProbe(newUDPProbe(withDefaults(Spec{UDP: quiet.LocalAddr().String()})), 200*time.Millisecond)
	if status != catalog.HealthPassing {
		t.Errorf("silent: got %s %q", status, out)
	}

	// A closed port answers ICMP port unreachable: critical.
	gone, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := gone.LocalAddr().String()
	gone.Close()
	status, out = runProbe(newUDPProbe(withDefaults(Spec{UDP: closed})), 2*time.Second)
	if status != catalog.HealthCritical || !strings.Contains(out, "refused") {
		t.Errorf("closed: got %s %q", status, out)
	}
}
