package rpc

import (
	"net"
	"sync"
)

// maxPending bounds the bytes a coalescingConn holds before Write waits
// for the socket, so a slow peer pushes back instead of growing memory.
const maxPending = 1 << 20

// coalescingConn batches writes: yamux writes every frame header and body
// with its own call, which costs two syscalls per frame and several frames
// per RPC. Here Write appends to a buffer and one goroutine drains it, so
// frames written while a syscall is in progress leave together in the next.
// A write error is returned by the next Write and closes the connection,
// which ends the yamux session as a failed Write would have.
type coalescingConn struct {
	net.Conn

	// mu guards pending, err and closed; cond signals both the flusher
	// (data to send) and writers waiting for room.
	mu      sync.Mutex
	cond    *sync.Cond
	pending []byte
	err     error
	closed  bool
}

func newCoalescingConn(c net.Conn) *coalescingConn {
	cc := &coalescingConn{Conn: c}
	cc.cond = sync.NewCond(&cc.mu)
	go cc.flushLoop()
	return cc
}

func (c *coalescingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.err == nil && !c.closed && len(c.pending) > maxPending {
		c.cond.Wait()
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.closed {
		return 0, net.ErrClosed
	}
	c.pending = append(c.pending, p...)
	c.cond.Broadcast()
	return len(p), nil
}

func (c *coalescingConn) flushLoop() {
	var out []byte
	for {
		c.mu.Lock()
		for len(c.pending) == 0 && !c.closed {
			c.cond.Wait()
		}
		if len(c.pending) == 0 && c.closed {
			c.mu.Unlock()
			return
		}
		// Swap buffers so writers append while the syscall runs.
		out, c.pending = c.pending, out[:0]
		c.cond.Broadcast()
		c.mu.Unlock()

		if _, err := c.Conn.Write(out); err != nil {
			c.mu.Lock()
			c.err = err
			c.cond.Broadcast()
			c.mu.Unlock()
			c.Conn.Close()
			return
		}
		// Do not keep a buffer that a burst grew large.
		if cap(out) > maxPending {
			out = nil
		}
	}
}

// Close flushes nothing further: yamux closes only after its last frame
// or on failure, and a closed session's pending frames are moot.
func (c *coalescingConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	return c.Conn.Close()
}
