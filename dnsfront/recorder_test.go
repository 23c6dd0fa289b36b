package dnsfront

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/concord-dev/concord/catalog"
	"github.com/miekg/dns"
)

// recorder is a dns.ResponseWriter that keeps what is written to it.
type recorder struct {
	remote net.Addr
	msgs   []*dns.Msg
}

func newRecorder(tcp bool) *recorder {
	if tcp {
		return &recorder{remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}}
	}
	return &recorder{remote: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}}
}

func (r *recorder) LocalAddr() net.Addr  { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8600} }
func (r *recorder) RemoteAddr() net.Addr { return r.remote }
func (r *recorder) WriteMsg(m *dns.Msg) error {
	// Pack as the server would, so a response that does not pack fails.
	if _, err := m.Pack(); err != nil {
		return err
	}
	r.msgs = append(r.msgs, m)
	return nil
}
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) Close() error                { return nil }
func (r *recorder) TsigStatus() error           { return nil }
func (r *recorder) TsigTimersOnly(bool)         {}
func (r *recorder) Hijack()                     {}

func (r *recorder) last() *dns.Msg {
	if len(r.msgs) == 0 {
		return nil
	}
	return r.msgs[len(r.msgs)-1]
}

// fakeLookup is a catalog in memory.
type fakeLookup struct {
	mu       sync.Mutex
	dc       string
	services map[string]catalog.CheckServiceNodes
	nodes    map[string]*catalog.Node
	queries  map[string]*catalog.PreparedQueryExecuteResponse
	calls    int
	err      error
}

func (f *fakeLookup) ServiceNodes(_ context.Context, dc, service string) (catalog.CheckServiceNodes, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if dc != f.dc {
		return nil, catalog.ErrUnknownDC
	}
	return f.services[service], nil
}

func (f *fakeLookup) Node(_ context.Context, dc, node string) (*catalog.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if dc != f.dc {
		return nil, catalog.ErrUnknownDC
	}
	return f.nodes[node], nil
}

func (f *fakeLookup) Reverse(_ context.Context, dc string, ip net.IP) (nodes, services []string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.nodes {
		if n.Address == ip.String() {
			nodes = append(nodes, n.Node)
		}
	}
	for name, insts := range f.services {
		for _, in := range insts {
			if in.Service.Address == ip.String() {
				services = append(services, name)
				break
			}
		}
	}
	return nodes, services, nil
}

func (f *fakeLookup) PreparedQuery(_ context.Context, dc, name string) (*catalog.PreparedQueryExecuteResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if dc != f.dc {
		return nil, catalog.ErrUnknownDC
	}
	res, ok := f.queries[name]
	if !ok {
		return nil, fmt.Errorf("%w: no query %q", catalog.ErrNotFound, name)
	}
	return res, nil
}
