package lan

import (
	"fmt"
	"strings"

	"github.com/hashicorp/memberlist"
)

// wrappedTransport makes memberlist's UDP and TCP transport on mc's bind
// address, as memberlist.Create would, and hands it to wrap; mc then
// carries the wrapped one. With BindPort 0 the port the kernel gave is
// written back into mc (memberlist does that itself only for a transport
// it makes), so the node advertises the port it listens on.
func wrappedTransport(mc *memberlist.Config, wrap func(memberlist.NodeAwareTransport) memberlist.NodeAwareTransport) error {
	nc := &memberlist.NetTransportConfig{BindAddrs: []string{mc.BindAddr}, BindPort: mc.BindPort, Logger: mc.Logger}
	// Port 0 binds TCP first and then UDP on the same number, which
	// another socket may hold: try a few ports, as memberlist does.
	tries := 1
	if mc.BindPort == 0 {
		tries = 10
	}
	var nt *memberlist.NetTransport
	var err error
	for i := 0; i < tries; i++ {
		if nt, err = memberlist.NewNetTransport(nc); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("lan: gossip transport on %s:%d: %w", mc.BindAddr, mc.BindPort, err)
	}
	if mc.BindPort == 0 {
		mc.BindPort = nt.GetAutoBindPort()
		mc.AdvertisePort = mc.BindPort
	}
	mc.Transport = wrap(nt)
	return nil
}
