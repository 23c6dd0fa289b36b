package connlimit

import (
	"net"
	"sync"
	"time"
)

// tooManyResponse is written to a connection over the limit. It is a whole
// HTTP/1.1 response, so an HTTP client reports the status rather than a
// reset connection.
const tooManyResponse = "HTTP/1.1 429 Too Many Requests\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: 48\r\n" +
	"Connection: close\r\n" +
	"\r\n" +
	"Your IP is issuing too many concurrent requests\n"

// rejectWriteTimeout bounds writing the 429 to a client that does not read.
const rejectWriteTimeout = time.Second

// Listener wraps a net.Listener, admitting at most perClient open
// connections from each remote IP address. Loopback clients are counted
// like any other.
type Listener struct {
	net.Listener
	perClient int

	// mu guards open: the open connections per client IP.
	mu   sync.Mutex
	open map[string]int
}

// NewListener limits ln to perClient connections per client IP; perClient
// 0 or less admits any number, and returns ln itself.
func NewListener(ln net.Listener, perClient int) net.Listener {
	if perClient <= 0 {
		return ln
	}
	return &Listener{Listener: ln, perClient: perClient, open: map[string]int{}}
}

// Accept returns the next connection within its client's limit. A
// connection over the limit is answered with a 429 and closed without
// being returned.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(conn.RemoteAddr())
		l.mu.Lock()
		admit := l.open[ip] < l.perClient
		if admit {
			l.open[ip]++
		}
		l.mu.Unlock()
		if admit {
			return &trackedConn{Conn: conn, release: func() { l.release(ip) }}, nil
		}
		go reject(conn)
	}
}

// Open reports how many connections ip holds open (for tests and stats).
func (l *Listener) Open(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[ip]
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	if l.open[ip] <= 1 {
		delete(l.open, ip)
	} else {
		l.open[ip]--
	}
	l.mu.Unlock()
}

func reject(conn net.Conn) {
	conn.SetWriteDeadline(time.Now().Add(rejectWriteTimeout))
	_, _ = conn.Write([]byte(tooManyResponse))
	conn.Close()
}

func clientIP(addr net.Addr) string {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case nil:
		return ""
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}

// trackedConn gives its client's slot back when it is closed, once.
type trackedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
