package agenttest

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echoServer answers every connection with what it reads.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// TestFaultsBlackHole: while cut, dials and reads time out instead of
// failing at once, and bytes sent before the cut are delivered after the
// heal, as over a real partition that TCP outlives.
func TestFaultsBlackHole(t *testing.T) {
	addr := echoServer(t)
	f := NewFaults()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := f.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 16)
	if _, err := conn.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(conn, buf[:3]); err != nil || string(buf[:n]) != "one" {
		t.Fatalf("before the cut: %q, %v", buf[:n], err)
	}

	conn.Write([]byte("two")) // sent before the cut, echoed during it
	time.Sleep(50 * time.Millisecond)
	f.Cut()
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	start := time.Now()
	if n, err := conn.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read while cut: %q, %v; want a timeout", buf[:n], err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("read while cut returned after %v, before its deadline", waited)
	}
	conn.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := conn.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write while cut: %v; want a timeout", err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer dcancel()
	if c, err := f.DialContext(dctx, "tcp", addr); err == nil {
		c.Close()
		t.Fatal("dial while cut succeeded")
	}

	f.Heal()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if n, err := io.ReadFull(conn, buf[:3]); err != nil || string(buf[:n]) != "two" {
		t.Fatalf("after the heal: %q, %v; want the bytes held back", buf[:n], err)
	}
	if c, err := f.DialContext(ctx, "tcp", addr); err != nil {
		t.Fatalf("dial after the heal: %v", err)
	} else {
		c.Close()
	}
}
