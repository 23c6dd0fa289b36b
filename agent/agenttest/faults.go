package agenttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/concord-dev/concord/agent/config"
	"github.com/hashicorp/memberlist"
)

// Faults is an in-process network under one agent that a test can cut,
// as a partition between that agent and every other would. Set it as the
// agent's Config.TestNetwork: it then carries the agent's connections to
// server ports (the RPC pool's dials, and Raft's on a server) and its LAN
// gossip (UDP packets and TCP streams, both ways).
//
// While cut it is a black hole, not a reset: dials wait until the heal or
// their timeout; reads and writes on connections opened before the cut
// wait until the heal, their deadline or Close, and data that arrived in
// between is handed over after the heal, as TCP's retransmissions would;
// gossip packets are dropped both ways and incoming gossip streams are
// closed unread. So the cut agent learns of the partition only from its
// own timeouts (yamux keepalives, memberlist probes), and the others mark
// it failed through gossip, which is what a real partition does.
//
// The other agents' sockets are untouched: the agent's side alone holds
// every byte back, which is enough for a partition between it and them.
type Faults struct {
	// mu guards cut and healed; healed is closed while not cut.
	mu     sync.Mutex
	cut    bool
	healed chan struct{}
}

var _ config.Network = (*Faults)(nil)

// NewFaults returns a network that is not cut.
func NewFaults() *Faults {
	healed := make(chan struct{})
	close(healed)
	return &Faults{healed: healed}
}

// Cut starts the partition.
func (f *Faults) Cut() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.cut {
		f.cut = true
		f.healed = make(chan struct{})
	}
}

// Heal ends the partition: waiting dials, reads and writes go on.
func (f *Faults) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cut {
		f.cut = false
		close(f.healed)
	}
}

// state reports whether the network is cut, and the channel the heal
// closes.
func (f *Faults) state() (bool, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cut, f.healed
}

// errPartitioned is a timeout, as a dial or a read into a black hole ends.
var errPartitioned = fmt.Errorf("partitioned (agenttest.Faults): %w", os.ErrDeadlineExceeded)

// waitHealed returns nil at once when not cut, else once the heal comes;
// errPartitioned when deadline (zero: none) or done comes first.
func (f *Faults) waitHealed(deadline time.Time, done <-chan struct{}) error {
	cut, healed := f.state()
	if !cut {
		return nil
	}
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-healed:
		return nil
	case <-expired:
		return errPartitioned
	case <-done:
		return errPartitioned
	}
}

// DialContext dials addr, or while cut waits for the heal or ctx.
func (f *Faults) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	deadline, _ := ctx.Deadline()
	if err := f.waitHealed(deadline, ctx.Done()); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return f.wrapConn(conn), nil
}

// WrapGossip puts the partition under a memberlist transport.
func (f *Faults) WrapGossip(t memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	g := &faultGossip{NodeAwareTransport: t, f: f,
		packets: make(chan *memberlist.Packet), streams: make(chan net.Conn), done: make(chan struct{})}
	go g.forwardPackets()
	go g.forwardStreams()
	return g
}

// faultConn is a connection that holds its bytes back while cut.
type faultConn struct {
	net.Conn
	f         *Faults
	closed    chan struct{}
	closeOnce sync.Once

	// mu guards the deadlines, kept to bound the waits for a heal.
	mu                   sync.Mutex
	rDeadline, wDeadline time.Time

	// pending and pendingErr are what the last read of Conn returned and
	// the cut holds back; only the reading goroutine touches them.
	pending    []byte
	pendingErr error
}

func (f *Faults) wrapConn(c net.Conn) *faultConn {
	return &faultConn{Conn: c, f: f, closed: make(chan struct{})}
}

func (c *faultConn) Read(b []byte) (int, error) {
	if len(c.pending) == 0 && c.pendingErr == nil {
		n, err := c.Conn.Read(b)
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err // the caller's own deadline: nothing to hold back
		}
		c.pending, c.pendingErr = append([]byte(nil), b[:n]...), err
	}
	c.mu.Lock()
	deadline := c.rDeadline
	c.mu.Unlock()
	if err := c.f.waitHealed(deadline, c.closed); err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: err}
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	if len(c.pending) > 0 {
		return n, nil
	}
	err := c.pendingErr
	c.pending, c.pendingErr = nil, nil
	return n, err
}

func (c *faultConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	deadline := c.wDeadline
	c.mu.Unlock()
	if err := c.f.waitHealed(deadline, c.closed); err != nil {
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: err}
	}
	return c.Conn.Write(b)
}

func (c *faultConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func (c *faultConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.rDeadline, c.wDeadline = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *faultConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.rDeadline = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *faultConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.wDeadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

// faultGossip is a memberlist transport that drops everything while cut.
type faultGossip struct {
	memberlist.NodeAwareTransport
	f        *Faults
	packets  chan *memberlist.Packet
	streams  chan net.Conn
	done     chan struct{}
	shutOnce sync.Once
}

var _ memberlist.NodeAwareTransport = (*faultGossip)(nil)

func (g *faultGossip) isCut() bool {
	cut, _ := g.f.state()
	return cut
}

func (g *faultGossip) forwardPackets() {
	in := g.NodeAwareTransport.PacketCh()
	for {
		select {
		case p := <-in:
			if g.isCut() {
				continue
			}
			select {
			case g.packets <- p:
			case <-g.done:
				return
			}
		case <-g.done:
			return
		}
	}
}

func (g *faultGossip) forwardStreams() {
	in := g.NodeAwareTransport.StreamCh()
	for {
		select {
		case c := <-in:
			if g.isCut() {
				c.Close()
				continue
			}
			select {
			case g.streams <- g.f.wrapConn(c):
			case <-g.done:
				c.Close()
				return
			}
		case <-g.done:
			return
		}
	}
}

func (g *faultGossip) PacketCh() <-chan *memberlist.Packet { return g.packets }
func (g *faultGossip) StreamCh() <-chan net.Conn           { return g.streams }

func (g *faultGossip) WriteTo(b []byte, addr string) (time.Time, error) {
	return g.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (g *faultGossip) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if g.isCut() {
		return time.Now(), nil // sent, and lost on the way
	}
	return g.NodeAwareTransport.WriteToAddress(b, a)
}

func (g *faultGossip) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return g.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (g *faultGossip) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if err := g.f.waitHealed(time.Now().Add(timeout), g.done); err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	c, err := g.NodeAwareTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return g.f.wrapConn(c), nil
}

func (g *faultGossip) Shutdown() error {
	g.shutOnce.Do(func() { close(g.done) })
	return g.NodeAwareTransport.Shutdown()
}
