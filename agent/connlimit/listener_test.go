package connlimit

import (
	"bufio"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func serve(t *testing.T, perClient int) (*Listener, string) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(inner, perClient).(*Listener)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln, inner.Addr().String()
}

// dialFrom connects from the local IP from, and makes one request so the
// connection is known to be accepted (or refused) before returning.
func dialFrom(t *testing.T, from, addr string) (net.Conn, *http.Response) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("response to %s: %v", from, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return conn, resp
}

func TestPerClientLimit(t *testing.T) {
	ln, addr := serve(t, 2)

	first, resp := dialFrom(t, "127.0.0.1", addr)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first connection: %s", resp.Status)
	}
	if _, resp = dialFrom(t, "127.0.0.1", addr); resp.StatusCode != http.StatusOK {
		t.Fatalf("second connection: %s", resp.Status)
	}
	// Both are still open (keep-alive): a third from the same IP is refused.
	_, resp = dialFrom(t, "127.0.0.1", addr)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection from one IP: %s, want 429", resp.Status)
	}
	if body, _ := io.ReadAll(resp.Body); !strings.Contains(string(body), "too many concurrent requests") {
		t.Errorf("429 body %q", body)
	}
	// Another client is served.
	if _, resp = dialFrom(t, "127.0.0.2", addr); resp.StatusCode != http.StatusOK {
		t.Fatalf("connection from another IP: %s", resp.Status)
	}
	if n := ln.Open("127.0.0.1"); n != 2 {
		t.Errorf("127.0.0.1 holds %d connections, want 2", n)
	}

	// Closing one frees its slot.
	first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ln.Open("127.0.0.1") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("slot not released: %d open", ln.Open("127.0.0.1"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, resp = dialFrom(t, "127.0.0.1", addr); resp.StatusCode != http.StatusOK {
		t.Fatalf("connection after one closed: %s", resp.Status)
	}
}

func TestZeroIsUnlimited(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	if ln := NewListener(inner, 0); ln != inner {
		t.Fatalf("limit 0 wrapped the listener: %T", ln)
	}
}

// emfileListener fails its first accepts as a process out of descriptors.
type emfileListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (l *emfileListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.fails > 0 {
		l.fails--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// net/http's Serve treats EMFILE as temporary (it backs off 5 ms doubling
// to 1 s and keeps going); the limiter passes accept errors through
// unchanged so that still holds.
func TestHTTPServeSurvivesEMFILE(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(&emfileListener{Listener: inner, fails: 5}, 2)
	srv := &http.Server{
		Handler:  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	if _, resp := dialFrom(t, "127.0.0.1", inner.Addr().String()); resp.StatusCode != http.StatusOK {
		t.Fatalf("after accept errors: %s", resp.Status)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned: %v", err)
	default:
	}
}
