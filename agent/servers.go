package agent

import (
	"github.com/concord-dev/concord/lan"
	"github.com/concord-dev/concord/wan"
)

// serverList is a client agent's view of its datacenter's servers, fed
// by gossip: the alive servers of its datacenter in a failover set.
type serverList struct {
	dc string
	wan.ServerSet
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
	return l.Set(addrs)
}

func (l *serverList) pick() string       { return l.Pick() }
func (l *serverList) failed(addr string) { l.Failed(addr) }
func (l *serverList) len() int           { return l.Len() }
