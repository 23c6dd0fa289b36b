package agent

import (
	"net"
	"reflect"
	"testing"

	"github.com/concord-dev/concord/lan"
)

// TestServerListUpdateReportsGone: update names the servers that left the
// list (failed or gone from gossip), which the agent drops from its pool.
func TestServerListUpdateReportsGone(t *testing.T) {
	server := func(name, ip string, status lan.MemberStatus) lan.Member {
		return lan.Member{Name: name, Addr: net.ParseIP(ip), Status: status,
			Tags: lan.ServerTags("id-"+name, "dc1", 8300, 0, false, 3, "test")}
	}
	l := newServerList("dc1")
	if gone := l.update([]lan.Member{server("s1", "127.0.0.1", lan.StatusAlive), server("s2", "127.0.0.2", lan.StatusAlive)}); len(gone) != 0 {
		t.Fatalf("first update: gone %v", gone)
	}
	gone := l.update([]lan.Member{server("s1", "127.0.0.1", lan.StatusFailed), server("s2", "127.0.0.2", lan.StatusAlive)})
	if !reflect.DeepEqual(gone, []string{"127.0.0.1:8300"}) {
		t.Fatalf("after s1 failed: gone %v, want [127.0.0.1:8300]", gone)
	}
	if got := l.pick(); got != "127.0.0.2:8300" {
		t.Fatalf("pick after s1 failed: %q", got)
	}
	if gone := l.update(nil); !reflect.DeepEqual(gone, []string{"127.0.0.2:8300"}) {
		t.Fatalf("after every server went: gone %v", gone)
	}
}
