package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/yamux"
)

// dialTimeout bounds the TCP connect to a server.
const dialTimeout = 5 * time.Second

// Pool keeps one multiplexed session per server address and runs calls as
// streams on it, so any number of concurrent calls (blocking queries
// included) share one TCP connection per server.
type Pool struct {
	// mu guards sessions and closed. Dialing happens outside mu, under the
	// per-address entry's own once.
	mu       sync.Mutex
	sessions map[string]*poolEntry
	closed   bool

	handle *codec.MsgpackHandle
	codecs *codecPool
	opts   *options
}

type poolEntry struct {
	ready chan struct{} // closed once sess or err is set
	sess  *yamux.Session
	err   error
}

// NewPool returns an empty pool. WithTLS makes it dial through TLS.
func NewPool(opts ...Option) *Pool {
	h := newHandle()
	return &Pool{sessions: map[string]*poolEntry{}, handle: h, codecs: newCodecPool(h), opts: buildOptions(opts)}
}

// Close tears down every session; calls in flight fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for addr, e := range p.sessions {
		select {
		case <-e.ready:
			if e.sess != nil {
				e.sess.Close()
			}
		default:
		}
		delete(p.sessions, addr)
	}
	return nil
}

func (p *Pool) session(ctx context.Context, addr string) (*yamux.Session, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, &notSentError{transportError{errors.New("pool closed")}}
	}
	e, ok := p.sessions[addr]
	if ok {
		select {
		case <-e.ready:
			if e.sess == nil || e.sess.IsClosed() {
				delete(p.sessions, addr)
				ok = false
			}
		default:
		}
	}
	if !ok {
		e = &poolEntry{ready: make(chan struct{})}
		p.sessions[addr] = e
		p.mu.Unlock()
		e.sess, e.err = p.dialSession(ctx, addr)
		close(e.ready)
		if e.err != nil {
			p.mu.Lock()
			if p.sessions[addr] == e {
				delete(p.sessions, addr)
			}
			p.mu.Unlock()
		}
		return e.sess, e.err
	}
	p.mu.Unlock()
	select {
	case <-e.ready:
		return e.sess, e.err
	case <-ctx.Done():
		return nil, &notSentError{transportError{ctx.Err()}}
	}
}

func (p *Pool) dialSession(ctx context.Context, addr string) (*yamux.Session, error) {
	// The connect and the TLS handshake share one bound.
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	raw, err := p.opts.dialTCP(ctx, addr)
	if err != nil {
		return nil, &notSentError{transportError{err}}
	}
	if tc, ok := tcpConn(raw); ok {
		tc.SetKeepAlive(true)
		tc.SetNoDelay(true)
	}
	conn, err := p.opts.startProtocol(ctx, raw, ProtoRPC)
	if err != nil {
		raw.Close()
		return nil, &notSentError{transportError{err}}
	}
	sess, err := yamux.Client(newCoalescingConn(conn), yamuxConfig())
	if err != nil {
		conn.Close()
		return nil, &notSentError{transportError{err}}
	}
	return sess, nil
}

// Drop closes the session to addr, if any: calls in flight on it fail at
// once with a transport error, and the next call to addr dials anew. A
// client agent calls it for a server gossip declared failed, so a call
// parked on a connection into a partition does not wait for yamux's
// keepalive to notice.
func (p *Pool) Drop(addr string) {
	p.mu.Lock()
	e, ok := p.sessions[addr]
	if ok {
		select {
		case <-e.ready:
			delete(p.sessions, addr)
		default:
			ok = false // being dialed: that dial has its own timeout
		}
	}
	p.mu.Unlock()
	if ok && e.sess != nil {
		e.sess.Close()
	}
}

// drop forgets a broken session so the next call redials.
func (p *Pool) drop(addr string, sess *yamux.Session) {
	p.mu.Lock()
	if e, ok := p.sessions[addr]; ok && e.sess == sess {
		delete(p.sessions, addr)
	}
	p.mu.Unlock()
	sess.Close()
}

// Call runs method on the server at addr. A transport failure is wrapped
// so IsTransport reports it; an error the handler returned comes back as
// the catalog sentinel it names, if any.
func (p *Pool) Call(ctx context.Context, addr, method string, args, reply interface{}) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = WithCallDeadline(ctx, args)
		defer cancel()
	}
	sess, err := p.session(ctx, addr)
	if err != nil {
		return err
	}
	stream, err := sess.OpenStream()
	if err != nil {
		p.drop(addr, sess)
		return &notSentError{transportError{fmt.Errorf("open stream to %s: %w", addr, err)}}
	}
	defer stream.Close()
	deadline, _ := ctx.Deadline()
	stream.SetDeadline(deadline)

	// A cancelled context must unblock the read at once, not at the
	// deadline, so the blocking query it carries is released upstream too.
	stop := context.AfterFunc(ctx, func() { stream.SetDeadline(time.Now()) })
	defer stop()

	c := p.codecs.get(stream)
	if err := c.write(&requestHeader{Method: method}, args); err != nil {
		return p.streamErr(ctx, addr, sess, err)
	}
	var resp responseHeader
	if err := c.read(&resp); err != nil {
		return p.streamErr(ctx, addr, sess, err)
	}
	if resp.Error != "" {
		var skip interface{}
		if c.read(&skip) == nil {
			p.codecs.put(c)
		}
		return catalog.ErrorFromWire(resp.Error)
	}
	if err := c.read(reply); err != nil {
		return p.streamErr(ctx, addr, sess, err)
	}
	p.codecs.put(c)
	return nil
}

func (p *Pool) streamErr(ctx context.Context, addr string, sess *yamux.Session, err error) error {
	if ctx.Err() != nil {
		return &transportError{fmt.Errorf("call to %s: %w", addr, ctx.Err())}
	}
	if sess.IsClosed() {
		p.drop(addr, sess)
	}
	return &transportError{fmt.Errorf("call to %s: %w", addr, err)}
}

// tcpConn finds the TCP connection under a dialer's wrapper, if any.
func tcpConn(c net.Conn) (*net.TCPConn, bool) {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = u.NetConn()
	}
	tc, ok := c.(*net.TCPConn)
	return tc, ok
}
