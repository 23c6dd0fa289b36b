package agent

import (
	"slices"
	"sync"

	"github.com/concord-dev/concord/lan"
)

// serverList is a client agent's view of its datacenter's servers, fed
// by gossip. Calls stick to one server (so its connection is reused) and
// move on when that server fails.
type serverList struct {
	dc string

	// mu guards servers and next.
	mu      sync.Mutex
	servers []string // RPC addresses of alive servers
	next    int
}

func newServerList(dc string) *serverList { return &serverList{dc: dc} }

// update replaces the list from the pool's members, keeping the current
// choice when it is still alive. It returns the servers that were in the
// list and are not any more (failed, left or gone).
func (l *serverList) update(members []lan.Member) (gone []string) {
	var addrs []string
	for _, m := range members {
		srv, ok := lan.ServerFromMember(m)
		if !ok || m.Status != lan.StatusAlive || srv.Datacenter != l.dc {
			continue
		}
		addrs = append(addrs, srv.Addr.String())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := ""
	if len(l.servers) > 0 {
		cur = l.servers[l.next%len(l.servers)]
	}
	for _, old := range l.servers {
		if !slices.Contains(addrs, old) {
			gone = append(gone, old)
		}
	}
	l.servers = addrs
	l.next = 0
	for i, a := range addrs {
		if a == cur {
			l.next = i
		}
	}
	return gone
}

// pick returns the server to call, or "" when none is known.
func (l *serverList) pick() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.servers) == 0 {
		return ""
	}
	return l.servers[l.next%len(l.servers)]
}

// failed moves past addr, unless another caller already did.
func (l *serverList) failed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.servers) > 0 && l.servers[l.next%len(l.servers)] == addr {
		l.next = (l.next + 1) % len(l.servers)
	}
}

func (l *serverList) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.servers)
}
