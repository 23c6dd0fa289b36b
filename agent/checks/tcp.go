package checks

import (
	"context"
	"fmt"
	"net"

	"github.com/concord-dev/concord/catalog"
)

// newTCPProbe connects to spec.TCP: passing when the connection opens
// within the timeout, critical otherwise.
func newTCPProbe(spec Spec) probe {
	return func(ctx context.Context) (string, string) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", spec.TCP)
		if err != nil {
			return catalog.HealthCritical, fmt.Sprintf("TCP connect %s: %v", spec.TCP, err)
		}
		conn.Close()
		return catalog.HealthPassing, fmt.Sprintf("TCP connect %s: Success", spec.TCP)
	}
}
