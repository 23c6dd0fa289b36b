package rpc

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestDropFailsCallsInFlight: Drop ends a call parked on the dropped
// connection at once, as a transport error, and the next call dials anew.
// A WithDialer dialer carries the pool's connections.
func TestDropFailsCallsInFlight(t *testing.T) {
	l := startEcho(t)
	addr := l.Addr().String()
	dials := 0
	p := NewPool(WithDialer(func(ctx context.Context, network, a string) (net.Conn, error) {
		dials++
		var d net.Dialer
		return d.DialContext(ctx, network, a)
	}))
	defer p.Close()
	var r echoReply
	if err := p.Call(context.Background(), addr, "Echo", &echoArgs{Text: "warm"}, &r); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var r echoReply
		done <- p.Call(context.Background(), addr, "Echo", &echoArgs{Text: "parked", Delay: time.Minute}, &r)
	}()
	time.Sleep(100 * time.Millisecond) // let the call reach the server
	p.Drop(addr)
	select {
	case err := <-done:
		if !IsTransport(err) {
			t.Fatalf("parked call after Drop: %v; want a transport error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the parked call did not end within 10s of Drop")
	}
	if err := p.Call(context.Background(), addr, "Echo", &echoArgs{Text: "again"}, &r); err != nil || r.Text != "again" {
		t.Fatalf("call after Drop: %+v, %v", r, err)
	}
	if dials != 2 {
		t.Errorf("%d dials through WithDialer, want 2 (one before Drop, one after)", dials)
	}
	p.Drop("127.0.0.1:1") // nothing there: no effect
}
