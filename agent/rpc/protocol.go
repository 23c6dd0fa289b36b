package rpc

import (
	"bufio"
	"errors"
	"io"
	"sync"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// Protocol bytes: the first byte a dialer writes on the server port.
const (
	ProtoRPC  byte = 0x01 // the connection becomes a yamux session of RPC streams
	ProtoRaft byte = 0x02 // the connection belongs to Raft's transport
	ProtoTLS  byte = 0x03 // reserved: a TLS handshake follows, then one of the above
)

// requestHeader opens every RPC stream, followed by the encoded arguments.
type requestHeader struct {
	Method string
}

// responseHeader opens every reply, followed by the encoded reply value
// when Error is empty.
type responseHeader struct {
	Error string
}

// newHandle returns the msgpack settings both ends use. A handle caches
// the encoding plan of every type it meets, so each Pool and Listener
// keeps one for its lifetime (the cache is safe for concurrent use);
// settings are never changed after this returns.
func newHandle() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.WriteExt = true    // []byte as msgpack bin, not str
	h.RawToString = true // untyped bin/str decode to string
	return h
}

// msgpackCodec bundles one stream's encoder and decoder.
type msgpackCodec struct {
	w   *bufio.Writer
	r   *bufio.Reader
	enc *codec.Encoder
	dec *codec.Decoder
}

func newCodec(rw io.ReadWriter, h *codec.MsgpackHandle) *msgpackCodec {
	w := bufio.NewWriterSize(rw, 4096)
	r := bufio.NewReaderSize(rw, 4096)
	return &msgpackCodec{
		w:   w,
		r:   r,
		enc: codec.NewEncoder(w, h),
		dec: codec.NewDecoder(r, h),
	}
}

// codecPool reuses stream codecs across calls. A codec is two 4 KiB
// buffers plus msgpack's encoder and decoder state, about 10 KiB that
// every call allocated twice (caller and server) and the garbage
// collector then had to reclaim; profiles of forwarded calls put
// allocation and GC at a fifth to a quarter of a server's CPU.
type codecPool struct {
	h    *codec.MsgpackHandle
	pool sync.Pool
}

func newCodecPool(h *codec.MsgpackHandle) *codecPool {
	return &codecPool{h: h}
}

// get returns a codec over rw, reused when one is free.
func (p *codecPool) get(rw io.ReadWriter) *msgpackCodec {
	c, ok := p.pool.Get().(*msgpackCodec)
	if !ok {
		return newCodec(rw, p.h)
	}
	c.w.Reset(rw)
	c.r.Reset(rw)
	c.enc.Reset(c.w)
	c.dec.Reset(c.r)
	return c
}

// put returns c for reuse. Only a codec whose call went through without
// an error comes back: after a failure its buffers and msgpack's state
// are not worth reasoning about. The stream is dropped from the buffers
// so the pool does not keep it alive.
func (p *codecPool) put(c *msgpackCodec) {
	c.w.Reset(nil)
	c.r.Reset(nil)
	p.pool.Put(c)
}

// write encodes each value and flushes once, so a call is one or two
// yamux frames rather than one per field.
func (c *msgpackCodec) write(vs ...interface{}) error {
	for _, v := range vs {
		if err := c.enc.Encode(v); err != nil {
			return err
		}
	}
	return c.w.Flush()
}

func (c *msgpackCodec) read(v interface{}) error {
	return c.dec.Decode(v)
}

// ErrTransport marks failures of the connection rather than of the call:
// the caller may retry them on another server. Errors the remote handler
// returned are never wrapped in it.
var ErrTransport = errors.New("rpc transport error")

type transportError struct{ err error }

func (e *transportError) Error() string { return "rpc: " + e.err.Error() }
func (e *transportError) Unwrap() []error {
	return []error{ErrTransport, e.err}
}

// IsTransport reports whether err came from the connection, not the handler.
func IsTransport(err error) bool { return errors.Is(err, ErrTransport) }

// notSentError marks a transport failure before any byte of the call left
// this process: the dial or the stream open failed.
type notSentError struct{ transportError }

func (e *notSentError) Unwrap() []error { return []error{ErrTransport, errNotSent, e.err} }

var errNotSent = errors.New("call not sent")

// NotSent reports whether the call certainly never reached the server, so
// even a write may be retried elsewhere.
func NotSent(err error) bool { return errors.Is(err, errNotSent) }
