package server

import (
	"net"
	"testing"
	"time"

	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/go-uuid"
	"github.com/hashicorp/raft"
)

// TestReconcileRemovesReapedServer: a server reaped from gossip while no
// leader was listening still leaves the Raft configuration at the next
// full reconcile.
func TestReconcileRemovesReapedServer(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)

	ghostID, _ := uuid.GenerateUUID()
	ghostAddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 98), Port: 8300}
	// A non-voter, so the one-server quorum keeps working without it.
	if err := s.raft.AddNonvoter(raft.ServerID(ghostID), raft.ServerAddress(ghostAddr.String()), 0, 0).Error(); err != nil {
		t.Fatal(err)
	}
	inConfig := func() bool {
		f := s.raft.GetConfiguration()
		if f.Error() != nil {
			t.Fatal(f.Error())
		}
		for _, srv := range f.Configuration().Servers {
			if string(srv.ID) == ghostID {
				return true
			}
		}
		return false
	}
	ghost := serverMember("ghost", ghostID, ghostAddr, 1)
	ghost.Status = lan.StatusLeft

	// Reaped under another name but back with the same ID: it stays.
	back := ghost
	back.Name = "ghost-renamed"
	back.Status = lan.StatusAlive
	gossip.set([]lan.Member{self, back}, []lan.Member{ghost})
	s.reconcileAll()
	if !inConfig() {
		t.Fatal("a server that came back under a new name lost its seat")
	}

	gossip.set([]lan.Member{self}, []lan.Member{ghost})
	s.reconcileAll()
	if inConfig() {
		t.Fatal("a reaped server is still in the Raft configuration after a full reconcile")
	}
}
