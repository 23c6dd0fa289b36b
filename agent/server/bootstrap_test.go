package server

import (
	"net"
	"testing"
	"time"

	"github.com/concord-dev/concord/lan"
)

// TestBootstrapRetriesAfterFailure: a bootstrap attempt that fails (here
// because gossip showed two servers with one ID) must not count as done;
// once gossip is sane the server bootstraps and leads.
func TestBootstrapRetriesAfterFailure(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	ghost := self
	ghost.Name = "ghost"
	ghost.Addr = net.IPv4(127, 0, 0, 99)
	gossip.set([]lan.Member{self, ghost}, nil)

	s.maybeBootstrap()
	if s.bootstrapped.Load() {
		t.Fatal("a bootstrap that failed was marked done; it would never be retried")
	}

	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership after the retried bootstrap", s.IsLeader)
}
