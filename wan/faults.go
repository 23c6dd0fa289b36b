package wan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
)

// ErrPartitioned is what a dial across a Faults partition fails with.
var ErrPartitioned = errors.New("wan: address unreachable (partitioned by a test)")

// Faults cuts traffic between groups of "ip:port" addresses, for tests.
// WAN pools created with it (Config.Faults) drop gossip across a cut, and
// the dialers it hands out (Dialer) refuse connections across one and
// close those already open when a cut is made. Nothing outside tests sets
// it. Safe for concurrent use.
type Faults struct {
	// mu guards cuts and conns.
	mu    sync.Mutex
	cuts  []partition
	conns map[*faultConn]struct{}
}

type partition struct{ a, b map[string]bool }

// NewFaults returns a controller with no partition.
func NewFaults() *Faults { return &Faults{conns: map[*faultConn]struct{}{}} }

// Partition drops all traffic between any address of a and any of b, both
// ways, from now on, and closes the connections open between them.
func (f *Faults) Partition(a, b []string) {
	p := partition{a: set(a), b: set(b)}
	f.mu.Lock()
	f.cuts = append(f.cuts, p)
	var doomed []*faultConn
	for c := range f.conns {
		if p.cuts(c.local, c.remote) {
			doomed = append(doomed, c)
		}
	}
	f.mu.Unlock()
	for _, c := range doomed {
		c.Close()
	}
}

// Heal removes every partition.
func (f *Faults) Heal() {
	f.mu.Lock()
	f.cuts = nil
	f.mu.Unlock()
}

func set(addrs []string) map[string]bool {
	m := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		m[a] = true
	}
	return m
}

func (p partition) cuts(x, y string) bool {
	return (p.a[x] && p.b[y]) || (p.b[x] && p.a[y])
}

// cut reports whether traffic between x and y is dropped.
func (f *Faults) cut(x, y string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.cuts {
		if p.cuts(x, y) {
			return true
		}
	}
	return false
}

// Dialer returns a dial function for a node whose address is local (its
// RPC address): it fails at once across a partition, as a refused
// connection would, and otherwise dials and tracks the connection so a
// later Partition closes it.
func (f *Faults) Dialer(local string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if f.cut(local, addr) {
			return nil, fmt.Errorf("dial %s: %w", addr, ErrPartitioned)
		}
		var d net.Dialer
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := &faultConn{Conn: raw, f: f, local: local, remote: addr}
		f.mu.Lock()
		f.conns[c] = struct{}{}
		f.mu.Unlock()
		return c, nil
	}
}

// faultConn is a dialed connection Faults may close.
type faultConn struct {
	net.Conn
	f             *Faults
	local, remote string
	once          sync.Once
}

func (c *faultConn) Close() error {
	c.once.Do(func() {
		c.f.mu.Lock()
		delete(c.f.conns, c)
		c.f.mu.Unlock()
	})
	return c.Conn.Close()
}

// faultTransport is memberlist's network transport with a partition
// check on every packet and dial.
type faultTransport struct {
	*memberlist.NetTransport
	f       *Faults
	local   string
	packets chan *memberlist.Packet
	done    chan struct{}
	once    sync.Once
}

var _ memberlist.NodeAwareTransport = (*faultTransport)(nil)

// transport binds a NetTransport at bind:port and wraps it; it returns the
// port actually bound.
func (f *Faults) transport(bind string, port int, advertise string, logger hclog.Logger) (*faultTransport, int, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{bind},
		BindPort:  port,
		Logger:    logger.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	})
	if err != nil {
		return nil, 0, err
	}
	port = nt.GetAutoBindPort()
	host := advertise
	if host == "" {
		host = bind
	}
	t := &faultTransport{
		NetTransport: nt,
		f:            f,
		local:        net.JoinHostPort(host, strconv.Itoa(port)),
		packets:      make(chan *memberlist.Packet),
		done:         make(chan struct{}),
	}
	go t.filterPackets()
	return t, port, nil
}

func (t *faultTransport) filterPackets() {
	in := t.NetTransport.PacketCh()
	for {
		select {
		case p := <-in:
			if p.From != nil && t.f.cut(p.From.String(), t.local) {
				continue
			}
			select {
			case t.packets <- p:
			case <-t.done:
				return
			}
		case <-t.done:
			return
		}
	}
}

func (t *faultTransport) PacketCh() <-chan *memberlist.Packet { return t.packets }

func (t *faultTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	if t.f.cut(t.local, addr) {
		// Lost on the way, as UDP is: the sender cannot tell.
		return time.Now(), nil
	}
	return t.NetTransport.WriteTo(b, addr)
}

func (t *faultTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	return t.WriteTo(b, a.Addr)
}

func (t *faultTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	if t.f.cut(t.local, addr) {
		return nil, fmt.Errorf("dial %s: %w", addr, ErrPartitioned)
	}
	return t.NetTransport.DialTimeout(addr, timeout)
}

func (t *faultTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	return t.DialTimeout(a.Addr, timeout)
}

func (t *faultTransport) Shutdown() error {
	t.once.Do(func() { close(t.done) })
	return t.NetTransport.Shutdown()
}

// NetConn is the connection under the wrapper (for TCP options).
func (c *faultConn) NetConn() net.Conn { return c.Conn }
