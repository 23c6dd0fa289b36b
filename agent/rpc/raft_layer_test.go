package rpc

import (
	"context"
	"net"
	"testing"
	"time"
)

// Refuses is true only for a port nothing listens on: a live server port
// is not refused, nor is a dial the network swallows (the test dialer
// stalls until its deadline, as a black-holed path does).
func TestRaftLayerRefuses(t *testing.T) {
	live := startEcho(t)
	self := live.RaftLayer()
	if self.Refuses(live.Addr().String()) {
		t.Fatal("a listening server port was reported as refusing")
	}
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := gone.Addr().String()
	gone.Close()
	if !self.Refuses(addr) {
		t.Fatalf("%s, closed, was not reported as refusing", addr)
	}

	stall := func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ln, err := Listen("127.0.0.1:0", nil, nil, WithDialer(stall))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	if ln.RaftLayer().Refuses(addr) {
		t.Fatal("a dial that timed out was reported as a refusal")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Refuses took %v with a stalled dial: its timeout did not apply", took)
	}
}
