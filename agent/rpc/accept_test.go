package rpc

import (
	"context"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// flakyListener fails its first failures accepts as a process out of
// file descriptors does, then accepts for real.
type flakyListener struct {
	net.Listener
	mu       sync.Mutex
	failures int
	failedAt []time.Time
}

func (f *flakyListener) Accept() (net.Conn, error) {
	f.mu.Lock()
	if len(f.failedAt) < f.failures {
		f.failedAt = append(f.failedAt, time.Now())
		f.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	f.mu.Unlock()
	return f.Listener.Accept()
}

func TestAcceptBacksOffAndKeepsServing(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flakyListener{Listener: inner, failures: 6}
	l := Serve(fl, nil, nil)
	t.Cleanup(func() { l.Close() })
	l.SetHandler(HandlerFunc(func(ctx context.Context, method string, decode func(interface{}) error) (interface{}, error) {
		var a echoArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		return &echoReply{Text: a.Text}, nil
	}))

	p := NewPool()
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r echoReply
	if err := p.Call(ctx, l.Addr().String(), "Echo", &echoArgs{Text: "still here"}, &r); err != nil || r.Text != "still here" {
		t.Fatalf("call after accept errors: %+v, %v", r, err)
	}

	fl.mu.Lock()
	at := append([]time.Time(nil), fl.failedAt...)
	fl.mu.Unlock()
	if len(at) != fl.failures {
		t.Fatalf("%d failed accepts, want %d", len(at), fl.failures)
	}
	// The pauses start small and double: 5, 10, 20, 40, 80 ms.
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		want := acceptBackoffMin << (i - 1)
		if gap < want || gap > want+100*time.Millisecond {
			t.Errorf("pause %d after a failed accept: %v, want about %v", i, gap, want)
		}
	}
}

func TestAcceptBackoffIsCapped(t *testing.T) {
	d := time.Duration(0)
	var seen []time.Duration
	for i := 0; i < 12; i++ {
		d = nextAcceptBackoff(d)
		seen = append(seen, d)
	}
	if seen[0] != 5*time.Millisecond || seen[1] != 10*time.Millisecond {
		t.Errorf("backoff starts %v", seen[:2])
	}
	if last := seen[len(seen)-1]; last != time.Second {
		t.Errorf("backoff reaches %v, want the 1 s cap", last)
	}
}

func TestAcceptLoopEndsWhenTheListenerCloses(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Serve(inner, nil, nil)
	// Closing the socket underneath ends the loop too, not only Close.
	inner.Close()
	done := make(chan struct{})
	go func() { l.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return: the accept loop is still running")
	}
}
