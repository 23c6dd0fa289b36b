package dnsfront

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// udpBufSize is the largest datagram a reader accepts.
const udpBufSize = 65535

// udpServer serves the chain over UDP without a goroutine per packet:
// each socket has one reader goroutine that reads into its own buffer,
// runs the chain inline (a cache hit is a few microseconds) and packs the
// answer into its own buffer. Several sockets bound to one address with
// SO_REUSEPORT let the kernel spread clients over the readers.
//
// A query that is about to wait (a catalog read, a recursor) calls
// willBlock, which starts a new reader for its socket; the reader that
// waits exits once it has answered, so one slow query never holds up the
// others and the readers come back to one per socket.
type udpServer struct {
	chain Handler
	conns []*net.UDPConn
	wg    sync.WaitGroup // the readers
}

// reuseport sets SO_REUSEPORT on a socket before it binds.
func reuseport(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	return errors.Join(err, serr)
}

// listenUDP binds n sockets to addr (a fixed port) with SO_REUSEPORT.
func listenUDP(addr string, n int) ([]*net.UDPConn, error) {
	lc := net.ListenConfig{Control: reuseport}
	conns := make([]*net.UDPConn, 0, n)
	for range n {
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
		conns = append(conns, pc.(*net.UDPConn))
	}
	return conns, nil
}

// serve starts a reader per socket.
func (s *udpServer) serve() {
	for _, c := range s.conns {
		s.startReader(c)
	}
}

func (s *udpServer) startReader(c *net.UDPConn) {
	s.wg.Add(1)
	rd := &udpReader{s: s, conn: c, buf: make([]byte, udpBufSize), pack: make([]byte, ednsSize)}
	rd.ctx = context.WithValue(context.Background(), readerKey{}, rd)
	go func() {
		rd.run()
		if !rd.detached {
			s.wg.Done()
		}
	}()
}

// close closes the sockets and waits for the readers to finish the
// queries they are answering inline; a reader that willBlock detached
// finishes its query on its own (its write then fails).
func (s *udpServer) close() error {
	var errs []error
	for _, c := range s.conns {
		errs = append(errs, c.Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

type readerKey struct{}

// udpReader is one reader goroutine and the buffers it reuses. It is
// also the ResponseWriter of the query it is answering.
type udpReader struct {
	s    *udpServer
	conn *net.UDPConn
	ctx  context.Context // carries the reader, for willBlock
	buf  []byte          // the datagram read
	pack []byte          // the answer packed

	remote   netip.AddrPort
	detached bool // willBlock started another reader for this socket
}

func (rd *udpReader) run() {
	for {
		n, remote, err := rd.conn.ReadFromUDPAddrPort(rd.buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. an ICMP error reported on the socket
		}
		rd.remote, rd.detached = remote, false
		rd.serveDatagram(rd.buf[:n])
		if rd.detached {
			return // another reader took over the socket
		}
	}
}

// willBlock tells the UDP server, when ctx is one of its queries, that
// the query is about to wait, so its reader hands the socket to a new one.
func willBlock(ctx context.Context) {
	rd, ok := ctx.Value(readerKey{}).(*udpReader)
	if !ok || rd.detached {
		return
	}
	rd.detached = true
	rd.s.startReader(rd.conn)
	rd.s.wg.Done() // close no longer waits for this one
}

// serveDatagram answers one datagram as miekg/dns's server does: a header
// that does not parse is dropped, a response ignored, a query that is not
// a plain one-question query (or does not unpack) answered FORMERR or
// NOTIMP without running the chain.
func (rd *udpReader) serveDatagram(b []byte) {
	if len(b) < 12 {
		return
	}
	h := dns.Header{
		Id:      binary.BigEndian.Uint16(b[0:]),
		Bits:    binary.BigEndian.Uint16(b[2:]),
		Qdcount: binary.BigEndian.Uint16(b[4:]),
		Ancount: binary.BigEndian.Uint16(b[6:]),
		Nscount: binary.BigEndian.Uint16(b[8:]),
		Arcount: binary.BigEndian.Uint16(b[10:]),
	}
	action := dns.DefaultMsgAcceptFunc(h)
	r := new(dns.Msg)
	if action == dns.MsgAccept {
		if err := r.Unpack(b); err != nil {
			action = dns.MsgReject
		}
	}
	switch action {
	case dns.MsgAccept:
		serveMux{chain: rd.s.chain}.serve(rd.ctx, rd, r)
	case dns.MsgReject, dns.MsgRejectNotImplemented:
		req := &dns.Msg{MsgHdr: dns.MsgHdr{
			Id:               h.Id,
			Opcode:           int(h.Bits>>11) & 0xF,
			RecursionDesired: h.Bits&(1<<8) != 0,
			CheckingDisabled: h.Bits&(1<<4) != 0,
		}}
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		if action == dns.MsgRejectNotImplemented {
			m.Rcode = dns.RcodeNotImplemented
		}
		rd.WriteMsg(m)
	}
}

// LocalAddr implements dns.ResponseWriter.
func (rd *udpReader) LocalAddr() net.Addr { return rd.conn.LocalAddr() }

// RemoteAddr implements dns.ResponseWriter; a *net.UDPAddr, which is how
// Shape knows the transport.
func (rd *udpReader) RemoteAddr() net.Addr { return net.UDPAddrFromAddrPort(rd.remote) }

// WriteMsg packs m into the reader's buffer and sends it.
func (rd *udpReader) WriteMsg(m *dns.Msg) error {
	b, err := m.PackBuffer(rd.pack)
	if err != nil {
		return err
	}
	if cap(b) > len(rd.pack) {
		rd.pack = b[:cap(b)] // PackBuffer needed a larger one: keep it
	}
	_, err = rd.Write(b)
	return err
}

// Write implements dns.ResponseWriter.
func (rd *udpReader) Write(b []byte) (int, error) {
	return rd.conn.WriteToUDPAddrPort(b, rd.remote)
}

// Close implements dns.ResponseWriter; the socket stays open.
func (rd *udpReader) Close() error { return nil }

// TsigStatus implements dns.ResponseWriter; concord does not use TSIG.
func (rd *udpReader) TsigStatus() error { return nil }

// TsigTimersOnly implements dns.ResponseWriter.
func (rd *udpReader) TsigTimersOnly(bool) {}

// Hijack implements dns.ResponseWriter.
func (rd *udpReader) Hijack() {}
