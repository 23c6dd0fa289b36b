package rpc

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/hashicorp/raft"
)

// RaftLayer implements raft.StreamLayer over the shared server port:
// accepted connections arrive from the Listener after their protocol byte,
// dialed ones write that byte first.
type RaftLayer struct {
	addr   net.Addr
	connCh chan net.Conn
	closed <-chan struct{}
	opts   *options
}

var _ raft.StreamLayer = (*RaftLayer)(nil)

var errLayerClosed = errors.New("raft layer closed")

func newRaftLayer(addr net.Addr, closed <-chan struct{}, opts *options) *RaftLayer {
	return &RaftLayer{addr: addr, connCh: make(chan net.Conn), closed: closed, opts: opts}
}

func (r *RaftLayer) handoff(c net.Conn) bool {
	select {
	case r.connCh <- c:
		return true
	case <-r.closed:
		return false
	}
}

// Accept waits for the next Raft connection.
func (r *RaftLayer) Accept() (net.Conn, error) {
	select {
	case c := <-r.connCh:
		return c, nil
	case <-r.closed:
		return nil, errLayerClosed
	}
}

// Close is a no-op: the Listener owns the socket and closes the layer.
func (r *RaftLayer) Close() error { return nil }

// Addr is the advertised server address, which Raft gives its peers.
func (r *RaftLayer) Addr() net.Addr { return r.addr }

// Refuses reports whether address's server port refused a TCP connection
// within timeout: nothing listens there, so the server that did is gone.
// A timeout or any other failure is not a refusal, and a connection that
// opens is closed before a protocol byte is sent, which the far side
// drops without a word.
func (r *RaftLayer) Refuses(address string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), refuseProbeTimeout)
	defer cancel()
	conn, err := r.opts.dialTCP(ctx, address)
	if err == nil {
		conn.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// refuseProbeTimeout bounds Refuses: a refusal on a working network comes
// back within a round trip.
const refuseProbeTimeout = 250 * time.Millisecond

// Dial opens a Raft connection to a peer's server port, through TLS when
// the Listener's options say so; timeout bounds the handshake too.
func (r *RaftLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := r.opts.dialTCP(ctx, string(address))
	if err != nil {
		return nil, err
	}
	c, err := r.opts.startProtocol(ctx, conn, ProtoRaft)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}
