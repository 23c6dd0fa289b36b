package lan

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// cuttable drops a pool's gossip both ways while cut is set.
type cuttable struct {
	memberlist.NodeAwareTransport
	cut     *atomic.Bool
	packets chan *memberlist.Packet
	streams chan net.Conn
}

func (c *cuttable) forward() {
	for p := range c.NodeAwareTransport.PacketCh() {
		if !c.cut.Load() {
			c.packets <- p
		}
	}
}

func (c *cuttable) forwardStreams() {
	for conn := range c.NodeAwareTransport.StreamCh() {
		if c.cut.Load() {
			conn.Close()
			continue
		}
		c.streams <- conn
	}
}

func (c *cuttable) PacketCh() <-chan *memberlist.Packet { return c.packets }
func (c *cuttable) StreamCh() <-chan net.Conn           { return c.streams }

func (c *cuttable) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if c.cut.Load() {
		return time.Now(), nil
	}
	return c.NodeAwareTransport.WriteToAddress(b, a)
}

func (c *cuttable) DialAddressTimeout(a memberlist.Address, d time.Duration) (net.Conn, error) {
	if c.cut.Load() {
		return nil, errors.New("cut")
	}
	return c.NodeAwareTransport.DialAddressTimeout(a, d)
}

// TestReconnectAfterPartition: a pool whose transport is wrapped
// (WrapTransport, on a kernel-chosen port it must advertise) is cut off
// until both sides hold each other failed and gossip to the dead has
// stopped; after the heal the reconnect brings both back alive.
func TestReconnectAfterPartition(t *testing.T) {
	var cut atomic.Bool
	start := func(name string, wrap bool) *Pool {
		cfg := &Config{NodeName: name, BindAddr: "127.0.0.1", Logger: testLogger(name),
			Memberlist: fastMemberlist(), ReconnectInterval: 200 * time.Millisecond}
		if wrap {
			cfg.WrapTransport = func(t memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
				c := &cuttable{NodeAwareTransport: t, cut: &cut,
					packets: make(chan *memberlist.Packet), streams: make(chan net.Conn)}
				go c.forward()
				go c.forwardStreams()
				return c
			}
		}
		p, err := New(cfg)
		if err != nil {
			t.Fatalf("New(%s): %v", name, err)
		}
		t.Cleanup(func() { _ = p.Shutdown() })
		return p
	}
	a, b := start("rc-a", false), start("rc-b", true)
	if lb := b.LocalMember(); lb.Port == 0 {
		t.Fatalf("wrapped pool advertises port 0")
	}
	if _, err := a.Join([]string{fmt.Sprintf("127.0.0.1:%d", b.LocalMember().Port)}); err != nil {
		t.Fatal(err)
	}
	allSee(t, "rc-b", StatusAlive, a, b)
	allSee(t, "rc-a", StatusAlive, a, b)

	cut.Store(true)
	allSee(t, "rc-b", StatusFailed, a)
	allSee(t, "rc-a", StatusFailed, b)
	time.Sleep(fastMemberlist().GossipToTheDeadTime + 500*time.Millisecond)
	cut.Store(false)
	allSee(t, "rc-b", StatusAlive, a)
	allSee(t, "rc-a", StatusAlive, b)
}
