package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// udpPayload is what a UDP check sends.
var udpPayload = []byte("concord health check")

// newUDPProbe sends a datagram to spec.UDP and waits for an answer until
// the timeout. As in Consul, an answer or silence is passing (UDP has no
// handshake: silence means nothing refused it), and an error, such as the
// "connection refused" an ICMP port-unreachable raises, is critical. A
// passing run therefore takes the whole timeout.
func newUDPProbe(spec Spec) probe {
	return func(ctx context.Context) (string, string) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "udp", spec.UDP)
		if err != nil {
			return catalog.HealthCritical, fmt.Sprintf("UDP connect %s: %v", spec.UDP, err)
		}
		defer conn.Close()
		if _, err := conn.Write(udpPayload); err != nil {
			return catalog.HealthCritical, fmt.Sprintf("UDP send %s: %v", spec.UDP, err)
		}
		deadline, ok := ctx.Deadline()
		if !ok {
			deadline = time.Now().Add(DefaultTimeout)
		}
		conn.SetReadDeadline(deadline)
		// Unblock the read at once if the check stops.
		stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
		defer stop()
		buf := make([]byte, 512)
		_, err = conn.Read(buf)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return catalog.HealthCritical, fmt.Sprintf("UDP %s: %v", spec.UDP, err)
		}
		return catalog.HealthPassing, fmt.Sprintf("UDP connect %s: Success", spec.UDP)
	}
}
