package lan

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
)

const (
	waitTimeout = 5 * time.Second
	waitStep    = 10 * time.Millisecond
)

// waitFor polls cond every 10 ms for up to 5 s; on timeout it fails with
// what and the output of state (may be nil).
func waitFor(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			extra := ""
			if state != nil {
				extra = "\n" + state()
			}
			t.Fatalf("timed out after %v waiting for %s%s", waitTimeout, what, extra)
		}
		time.Sleep(waitStep)
	}
}

// fastMemberlist is memberlist's local config with timings fast enough for
// failure detection in well under a second.
func fastMemberlist() *memberlist.Config {
	c := memberlist.DefaultLocalConfig()
	c.ProbeInterval = 50 * time.Millisecond
	c.ProbeTimeout = 25 * time.Millisecond
	c.GossipInterval = 10 * time.Millisecond
	c.SuspicionMult = 2
	c.SuspicionMaxTimeoutMult = 2
	c.PushPullInterval = 300 * time.Millisecond
	c.TCPTimeout = 500 * time.Millisecond
	c.GossipToTheDeadTime = 2 * time.Second
	return c
}

// testLogger discards logs unless LAN_TEST_LOG is set.
func testLogger(name string) hclog.Logger {
	if os.Getenv("LAN_TEST_LOG") == "" {
		return hclog.NewNullLogger()
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Debug, Output: os.Stderr})
}

// cluster is a set of pools on one memberlist.MockNetwork (through
// asyncTransport). All transports are made up front (MockNetwork's maps are
// not safe for concurrent writes); a crashed node's transport is drained,
// the way packets to a dead host are lost.
type cluster struct {
	t          *testing.T
	async      asyncNet
	transports map[string]*asyncTransport
	mu         sync.Mutex
	pools      map[string]*Pool
	drains     map[string]chan struct{}
	drainWG    sync.WaitGroup
}

func newCluster(t *testing.T, names ...string) *cluster {
	c := &cluster{
		t:          t,
		transports: map[string]*asyncTransport{},
		pools:      map[string]*Pool{},
		drains:     map[string]chan struct{}{},
	}
	var mn memberlist.MockNetwork
	for _, n := range names {
		c.transports[n] = &asyncTransport{MockTransport: mn.NewTransport(n), net: &c.async}
	}
	t.Cleanup(c.close)
	return c
}

// config returns a pool config for name on the mock network.
func (c *cluster) config(name string, tags map[string]string) *Config {
	mc := fastMemberlist()
	mc.Transport = c.transports[name]
	return &Config{
		NodeName:         name,
		BindAddr:         "127.0.0.1",
		Tags:             tags,
		ReconnectTimeout: time.Hour,
		TombstoneTimeout: time.Hour,
		Logger:           testLogger(name),
		Memberlist:       mc,
	}
}

func (c *cluster) startWith(cfg *Config) *Pool {
	c.t.Helper()
	p, err := New(cfg)
	if err != nil {
		c.t.Fatalf("New(%s): %v", cfg.NodeName, err)
	}
	c.mu.Lock()
	c.pools[cfg.NodeName] = p
	c.mu.Unlock()
	return p
}

func (c *cluster) start(name string, tags map[string]string) *Pool {
	c.t.Helper()
	return c.startWith(c.config(name, tags))
}

// addr is the mock address of name's transport.
func (c *cluster) addr(name string) string {
	ip, port, err := c.transports[name].FinalAdvertiseAddr("", 0)
	if err != nil {
		c.t.Fatal(err)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(port))
}

func (c *cluster) join(p *Pool, to string) {
	c.t.Helper()
	if n, err := p.Join([]string{c.addr(to)}); err != nil || n != 1 {
		c.t.Fatalf("%s joining %s: n=%d err=%v", p.config.NodeName, to, n, err)
	}
}

// crash shuts name's pool down without leaving and drains its transport.
func (c *cluster) crash(name string) {
	c.t.Helper()
	c.mu.Lock()
	p := c.pools[name]
	delete(c.pools, name)
	c.mu.Unlock()
	if err := p.Shutdown(); err != nil {
		c.t.Fatalf("shutdown %s: %v", name, err)
	}
	c.drain(name)
}

func (c *cluster) drain(name string) {
	stop := make(chan struct{})
	c.mu.Lock()
	c.drains[name] = stop
	c.mu.Unlock()
	tr := c.transports[name]
	c.drainWG.Add(1)
	go func() {
		defer c.drainWG.Done()
		for {
			select {
			case <-tr.PacketCh():
			case conn := <-tr.StreamCh():
				_ = conn.Close()
			case <-stop:
				return
			}
		}
	}()
}

// restart brings a crashed node back on its old transport (same address).
func (c *cluster) restart(name string, tags map[string]string) *Pool {
	c.t.Helper()
	c.mu.Lock()
	stop := c.drains[name]
	delete(c.drains, name)
	c.mu.Unlock()
	close(stop)
	c.drainWG.Wait()
	return c.start(name, tags)
}

func (c *cluster) close() {
	c.mu.Lock()
	pools := c.pools
	c.pools = map[string]*Pool{}
	c.mu.Unlock()
	c.mu.Lock()
	var idle []string
	for name := range c.transports {
		if _, draining := c.drains[name]; !draining {
			idle = append(idle, name)
		}
	}
	c.mu.Unlock()
	for _, name := range idle {
		c.drain(name) // peers shutting down may still write to it
	}
	for _, p := range pools {
		_ = p.Shutdown()
	}
	c.async.mu.Lock()
	c.async.closed = true
	c.async.mu.Unlock()
	c.async.wg.Wait() // everything in flight lands in a drain
	c.mu.Lock()
	for name, stop := range c.drains {
		close(stop)
		delete(c.drains, name)
	}
	c.mu.Unlock()
	c.drainWG.Wait()
}

// status returns how p sees node (StatusNone when absent).
func status(p *Pool, node string) MemberStatus {
	for _, m := range p.Members() {
		if m.Name == node {
			return m.Status
		}
	}
	return StatusNone
}

func member(p *Pool, node string) (Member, bool) {
	for _, m := range p.Members() {
		if m.Name == node {
			return m, true
		}
	}
	return Member{}, false
}

// dump describes every pool's view, for timeout messages.
func dump(pools ...*Pool) func() string {
	return func() string {
		var b strings.Builder
		for _, p := range pools {
			var rows []string
			for _, m := range p.Members() {
				rows = append(rows, fmt.Sprintf("%s=%s%v", m.Name, m.Status, m.Tags))
			}
			sort.Strings(rows)
			fmt.Fprintf(&b, "  %s sees: %s\n", p.config.NodeName, strings.Join(rows, " "))
		}
		return b.String()
	}
}

// allSee waits until every pool sees node with status want.
func allSee(t *testing.T, node string, want MemberStatus, pools ...*Pool) {
	t.Helper()
	waitFor(t, fmt.Sprintf("all pools to see %s %s", node, want), func() bool {
		for _, p := range pools {
			if status(p, node) != want {
				return false
			}
		}
		return true
	}, dump(pools...))
}
