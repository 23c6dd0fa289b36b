package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/yamux"
)

// Handler serves one RPC. decode fills the handler's argument value from the
// stream; the returned reply is encoded back to the caller. Handlers run
// concurrently, one goroutine per call.
type Handler interface {
	ServeRPC(ctx context.Context, method string, decode func(args interface{}) error) (reply interface{}, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, method string, decode func(args interface{}) error) (interface{}, error)

// ServeRPC calls f.
func (f HandlerFunc) ServeRPC(ctx context.Context, method string, decode func(args interface{}) error) (interface{}, error) {
	return f(ctx, method, decode)
}

// firstByteTimeout bounds how long an accepted connection may stay silent
// before it says which protocol it speaks.
const firstByteTimeout = 5 * time.Second

// defaultReplyTimeout bounds writing a reply, before its size is counted.
const defaultReplyTimeout = 10 * time.Second

// Listener accepts connections on the server port and hands each to RPC
// or Raft according to its first byte.
type Listener struct {
	ln     net.Listener
	logger hclog.Logger
	raft   *RaftLayer
	handle *codec.MsgpackHandle
	codecs *codecPool
	opts   *options

	// mu guards handler, sessions and replyTimeout.
	mu           sync.Mutex
	handler      Handler
	sessions     map[*yamux.Session]struct{}
	replyTimeout time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Listen binds addr and starts accepting. advertise is the address Raft
// tells its peers; nil means the bound address, and port 0 the bound port.
func Listen(addr string, advertise net.Addr, logger hclog.Logger, opts ...Option) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server port %s: %w", addr, err)
	}
	return Serve(ln, advertise, logger, opts...), nil
}

// Serve accepts on ln, which the Listener owns from now on. advertise is
// as for Listen.
func Serve(ln net.Listener, advertise net.Addr, logger hclog.Logger, opts ...Option) *Listener {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	if advertise == nil {
		advertise = ln.Addr()
	}
	// Port 0 (tests) advertises the port the kernel picked.
	if ta, ok := advertise.(*net.TCPAddr); ok && ta.Port == 0 {
		advertise = &net.TCPAddr{IP: ta.IP, Port: ln.Addr().(*net.TCPAddr).Port}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := newHandle()
	l := &Listener{
		ln:           ln,
		logger:       logger,
		handle:       h,
		codecs:       newCodecPool(h),
		opts:         buildOptions(opts),
		sessions:     map[*yamux.Session]struct{}{},
		ctx:          ctx,
		replyTimeout: defaultReplyTimeout,
		cancel:       cancel,
	}
	l.raft = newRaftLayer(advertise, ctx.Done(), l.opts)
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

// Addr is the bound address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// RaftLayer is the stream layer to hand to raft's NetworkTransport.
func (l *Listener) RaftLayer() *RaftLayer { return l.raft }

// SetHandler installs the RPC handler. Calls that arrive before it is set
// are answered with an error, which clients retry elsewhere.
func (l *Listener) SetHandler(h Handler) {
	l.mu.Lock()
	l.handler = h
	l.mu.Unlock()
}

// SetReplyWriteTimeout sets how long writing a reply may take before the
// allowance for its size is added (default 10 s). Tests shorten it.
func (l *Listener) SetReplyWriteTimeout(d time.Duration) {
	l.mu.Lock()
	l.replyTimeout = d
	l.mu.Unlock()
}

// Close stops accepting and tears down every RPC session.
func (l *Listener) Close() error {
	l.cancel()
	err := l.ln.Close()
	l.mu.Lock()
	for s := range l.sessions {
		s.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
	return err
}

// Accept backoff: after a failed accept (EMFILE when the process is out of
// file descriptors, ENFILE, ECONNABORTED...) the loop pauses, from 5 ms
// doubling up to 1 s, and tries again. It never gives up while the
// listener is open: descriptors come back as connections close.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

func nextAcceptBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return acceptBackoffMin
	}
	return min(2*d, acceptBackoffMax)
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	var backoff time.Duration
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if l.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			backoff = nextAcceptBackoff(backoff)
			if backoff == acceptBackoffMin || backoff == acceptBackoffMax {
				// Log the start of a run of failures, and then about once
				// a second while it lasts.
				l.logger.Error("server port accept failed; retrying", "error", err, "backoff", backoff)
			}
			select {
			case <-time.After(backoff):
			case <-l.ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		go l.route(conn)
	}
}

func (l *Listener) route(raw net.Conn) {
	conn, b, unverified, err := l.opts.acceptProtocol(raw)
	if err != nil {
		conn = raw
		if errors.Is(err, errPlaintextRefused) || b == ProtoTLS {
			l.logger.Warn("server port connection refused", "remote", conn.RemoteAddr().String(), "error", err)
		}
		conn.Close()
		return
	}
	if unverified && (b != ProtoRPC || len(l.opts.certless) == 0) {
		// No certificate, where verify_incoming wants one: only the RPC
		// methods allowed without one may be called, never Raft.
		l.logger.Warn("server port connection refused: no client certificate", "remote", conn.RemoteAddr().String(), "protocol", b)
		conn.Close()
		return
	}
	switch b {
	case ProtoRPC:
		l.serveSession(conn, unverified)
	case ProtoRaft:
		if !l.raft.handoff(conn) {
			conn.Close()
		}
	default:
		l.logger.Warn("unknown protocol byte on server port; closing", "byte", b, "remote", conn.RemoteAddr().String())
		conn.Close()
	}
}

// serveSession serves the RPC streams of one connection; unverified
// connections may call only the methods allowed without a certificate.
func (l *Listener) serveSession(conn net.Conn, unverified bool) {
	sess, err := yamux.Server(newCoalescingConn(conn), yamuxConfig())
	if err != nil {
		conn.Close()
		return
	}
	l.mu.Lock()
	if l.ctx.Err() != nil {
		l.mu.Unlock()
		sess.Close()
		return
	}
	l.sessions[sess] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.sessions, sess)
		l.mu.Unlock()
		sess.Close()
	}()
	for {
		stream, err := sess.AcceptStream()
		if err != nil {
			return
		}
		go l.serveStream(stream, unverified)
	}
}

func (l *Listener) serveStream(stream *yamux.Stream, unverified bool) {
	defer stream.Close()
	// The request must arrive promptly; the reply may take as long as a
	// blocking query lasts, bounded by the handler itself.
	stream.SetReadDeadline(time.Now().Add(firstByteTimeout))
	l.mu.Lock()
	h, replyTimeout := l.handler, l.replyTimeout
	l.mu.Unlock()
	out := &pacedWriter{stream: stream, base: replyTimeout}
	c := l.codecs.get(struct {
		io.Reader
		io.Writer
	}{stream, out})
	var hdr requestHeader
	if err := c.read(&hdr); err != nil {
		return
	}

	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	var reply interface{}
	var err error
	decoded := false
	decode := func(args interface{}) error {
		decoded = true
		err := c.read(args)
		stream.SetReadDeadline(time.Time{})
		if err == nil {
			// The caller writes nothing after its arguments; a read that
			// returns means it hung up, so the handler should stop.
			go func() {
				var one [1]byte
				if _, err := stream.Read(one[:]); err != nil {
					cancel()
				}
			}()
		}
		return err
	}
	switch {
	case unverified && !l.opts.certless[hdr.Method]:
		l.logger.Warn("RPC refused: the connection has no client certificate", "method", hdr.Method, "remote", stream.RemoteAddr().String())
		err = fmt.Errorf("rpc: %s refused: this connection presented no client certificate and verify_incoming requires one", hdr.Method)
	case h == nil:
		err = errors.New("server is starting; RPC handler not ready")
	default:
		reply, err = h.ServeRPC(ctx, hdr.Method, decode)
	}
	if !decoded {
		// Drain the arguments so the reply is not mistaken for a
		// protocol error on the caller's side.
		var skip interface{}
		_ = c.read(&skip)
	}
	if l.ctx.Err() != nil {
		// The listener is closing under a call it was serving: hang up
		// instead of answering "context canceled", so the caller sees a
		// transport failure and a read goes to another server.
		return
	}
	resp := responseHeader{}
	if err != nil {
		resp.Error = err.Error()
		reply = struct{}{}
	}
	out.begin()
	if werr := c.write(&resp, reply); werr != nil {
		l.logger.Debug("rpc reply not delivered", "method", hdr.Method, "error", werr)
		return
	}
	l.codecs.put(c)
}

// minReplyRate is the slowest a reply may be taken off the wire, in bytes
// per second: a reply's write deadline grows by one second per MiB.
const minReplyRate = 1 << 20

// replyAllowance is how long a reply of written bytes may take: base, plus
// the time those bytes take at minReplyRate.
func replyAllowance(base time.Duration, written int64) time.Duration {
	return base + time.Duration(float64(written)/minReplyRate*float64(time.Second))
}

// pacedWriter writes a reply to a stream, moving the write deadline as the
// reply grows: a large reply to a caller that reads steadily is never cut
// off, while a caller that stops reading is, base after it stopped (plus
// the allowance of whatever was written meanwhile).
type pacedWriter struct {
	stream  *yamux.Stream
	base    time.Duration
	start   time.Time
	written int64
}

// begin starts the clock: the reply is about to be written.
func (p *pacedWriter) begin() { p.start = time.Now() }

func (p *pacedWriter) Write(b []byte) (int, error) {
	p.written += int64(len(b))
	p.stream.SetWriteDeadline(p.start.Add(replyAllowance(p.base, p.written)))
	return p.stream.Write(b)
}
