package lan

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// asyncTransport is a memberlist.MockTransport whose packet sends do not
// wait for the receiver. MockTransport hands packets over unbuffered
// channels, and memberlist acks pings from its packet receive loop, so two
// nodes acking each other at the same moment would block both receive
// loops forever. Real UDP never blocks the sender; neither does this.
type asyncTransport struct {
	*memberlist.MockTransport
	net *asyncNet
}

// asyncNet tracks in-flight sends so a cluster can wait for them (while
// draining) before it stops draining, and then refuses new ones.
type asyncNet struct {
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

func (t *asyncTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	t.net.mu.RLock()
	defer t.net.mu.RUnlock()
	if !t.net.closed {
		buf := append([]byte(nil), b...)
		t.net.wg.Add(1)
		go func() {
			defer t.net.wg.Done()
			_, _ = t.MockTransport.WriteToAddress(buf, a)
		}()
	}
	return time.Now(), nil
}

func (t *asyncTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *asyncTransport) DialAddressTimeout(a memberlist.Address, d time.Duration) (net.Conn, error) {
	t.net.mu.RLock()
	defer t.net.mu.RUnlock()
	if t.net.closed {
		return nil, fmt.Errorf("mock network closed")
	}
	return t.MockTransport.DialAddressTimeout(a, d)
}

func (t *asyncTransport) DialTimeout(addr string, d time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, d)
}
