package rpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

type echoArgs struct {
	Text  string
	Delay time.Duration
	Blob  []byte
}

type echoReply struct {
	Text string
	Blob []byte
}

func startEcho(t *testing.T) *Listener {
	t.Helper()
	l, err := Listen("127.0.0.1:0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.SetHandler(HandlerFunc(func(ctx context.Context, method string, decode func(interface{}) error) (interface{}, error) {
		var a echoArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		switch method {
		case "Echo":
			if a.Delay > 0 {
				select {
				case <-time.After(a.Delay):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return &echoReply{Text: a.Text, Blob: a.Blob}, nil
		case "NoLeader":
			return nil, catalog.ErrNoLeader
		case "Bad":
			return nil, catalog.BadRequestf("missing node")
		}
		return nil, fmt.Errorf("unknown method %q", method)
	}))
	return l
}

func TestCallRoundTrip(t *testing.T) {
	l := startEcho(t)
	p := NewPool()
	defer p.Close()
	var r echoReply
	err := p.Call(context.Background(), l.Addr().String(), "Echo", &echoArgs{Text: "hi", Blob: []byte{0, 1, 2}}, &r)
	if err != nil || r.Text != "hi" || len(r.Blob) != 3 {
		t.Fatalf("got %+v, %v", r, err)
	}
}

func TestCallErrorsKeepIdentity(t *testing.T) {
	l := startEcho(t)
	p := NewPool()
	defer p.Close()
	var r echoReply
	err := p.Call(context.Background(), l.Addr().String(), "NoLeader", &echoArgs{}, &r)
	if !errors.Is(err, catalog.ErrNoLeader) || IsTransport(err) {
		t.Fatalf("want ErrNoLeader, got %v", err)
	}
	err = p.Call(context.Background(), l.Addr().String(), "Bad", &echoArgs{}, &r)
	if !catalog.IsBadRequest(err) {
		t.Fatalf("want bad request, got %v", err)
	}
	// The session survives application errors.
	if err := p.Call(context.Background(), l.Addr().String(), "Echo", &echoArgs{Text: "x"}, &r); err != nil {
		t.Fatal(err)
	}
}

func TestManyConcurrentCallsShareOneConnection(t *testing.T) {
	l := startEcho(t)
	p := NewPool()
	defer p.Close()
	const n = 2000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var r echoReply
			want := fmt.Sprint(i)
			if err := p.Call(context.Background(), l.Addr().String(), "Echo", &echoArgs{Text: want, Delay: 200 * time.Millisecond}, &r); err != nil {
				errs <- err
				return
			}
			if r.Text != want {
				errs <- fmt.Errorf("got %q want %q", r.Text, want)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sessions) != 1 {
		t.Fatalf("want 1 session, got %d", len(p.sessions))
	}
}

func TestCallCancelReleasesServer(t *testing.T) {
	l := startEcho(t)
	p := NewPool()
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	var r echoReply
	err := p.Call(ctx, l.Addr().String(), "Echo", &echoArgs{Delay: time.Minute}, &r)
	if !IsTransport(err) {
		t.Fatalf("want transport error, got %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
}

func TestDeadServerIsTransportError(t *testing.T) {
	l := startEcho(t)
	addr := l.Addr().String()
	p := NewPool()
	defer p.Close()
	var r echoReply
	if err := p.Call(context.Background(), addr, "Echo", &echoArgs{}, &r); err != nil {
		t.Fatal(err)
	}
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := p.Call(ctx, addr, "Echo", &echoArgs{}, &r)
	if !IsTransport(err) {
		t.Fatalf("want transport error, got %v", err)
	}
}
