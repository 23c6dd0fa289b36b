package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// TestCluster runs three servers and two clients as real processes on
// 127.0.0.11-15 and checks what a client sees through formation, a leader
// kill and a full restart.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("process cluster test skipped in -short mode")
	}
	serverIPs := []string{"127.0.0.11", "127.0.0.12", "127.0.0.13"}
	clientIPs := []string{"127.0.0.14", "127.0.0.15"}
	requireLoopbackAliases(t, append(serverIPs, clientIPs...)...)

	var servers, clients []*node
	for i, ip := range serverIPs {
		args := append([]string{"-server", "-bootstrap-expect", "3"}, joinArgs(serverIPs...)...)
		servers = append(servers, newNode(t, fmt.Sprintf("s%d", i+1), ip, args...))
	}
	for i, ip := range clientIPs {
		clients = append(clients, newNode(t, fmt.Sprintf("c%d", i+1), ip, joinArgs(serverIPs...)...))
	}
	for _, n := range append(servers, clients...) {
		n.start()
	}

	// The cluster forms from -retry-join alone.
	for _, s := range servers {
		eventually(t, 30*time.Second, s.name+" knows a leader", func() error {
			_, err := leaderOf(s)
			return err
		})
	}
	eventually(t, 30*time.Second, "every agent sees five alive members", func() error {
		for _, n := range append(servers, clients...) {
			members, err := n.client().Agent().Members(false)
			if err != nil {
				return err
			}
			alive := 0
			for _, m := range members {
				if m.Status == 1 {
					alive++
				}
			}
			if alive != 5 {
				return fmt.Errorf("%s sees %d alive", n.name, alive)
			}
		}
		return nil
	})
	eventually(t, 30*time.Second, "the leader registers every node in the catalog", func() error {
		nodes, _, err := servers[0].client().Catalog().Nodes(nil)
		if err != nil {
			return err
		}
		if len(nodes) != 5 {
			return fmt.Errorf("catalog has %d nodes", len(nodes))
		}
		return nil
	})

	// A write through a client agent is readable from every server with
	// ?stale.
	if _, err := clients[0].client().KV().Put(&api.KVPair{Key: "tour/db_port", Value: []byte("5432")}, nil); err != nil {
		t.Fatalf("put through client: %v", err)
	}
	for _, s := range servers {
		eventually(t, 5*time.Second, "stale read on "+s.name, func() error {
			kv, _, err := s.client().KV().Get("tour/db_port", &api.QueryOptions{AllowStale: true})
			if err != nil {
				return err
			}
			if kv == nil || string(kv.Value) != "5432" {
				return fmt.Errorf("got %v", kv)
			}
			return nil
		})
	}

	peersBefore := sortedPeers(t, servers[0])

	// kill -9 the leader while a writer runs through a client agent.
	leaderAddr, _ := leaderOf(servers[0])
	var leader *node
	var survivors []*node
	for _, s := range servers {
		if s.ip == hostOf(leaderAddr) {
			leader = s
		} else {
			survivors = append(survivors, s)
		}
	}
	if leader == nil {
		t.Fatalf("leader %s is none of the servers", leaderAddr)
	}

	w := startWriter(clients[1].client())
	time.Sleep(500 * time.Millisecond)
	leader.signal(syscall.SIGKILL)
	killedAt := time.Now()
	leader.waitExit(5 * time.Second)

	// Only a write sent after the kill proves the new leader accepts
	// writes; one in flight may have committed just before.
	eventually(t, 5*time.Second, "writes succeed again after the leader kill", func() error {
		if w.firstAckSentAfter(killedAt).IsZero() {
			return fmt.Errorf("no write sent after the kill was acknowledged")
		}
		return nil
	})
	t.Logf("writes resumed %v after kill -9 of the leader", w.firstAckSentAfter(killedAt).Sub(killedAt))
	for _, s := range survivors {
		eventually(t, 5*time.Second, s.name+" follows a new leader", func() error {
			l, err := leaderOf(s)
			if err == nil && l == leaderAddr {
				err = fmt.Errorf("still follows the killed leader %s", l)
			}
			return err
		})
	}
	time.Sleep(300 * time.Millisecond)
	acked := w.stop()
	if len(acked) < 10 {
		t.Fatalf("writer acknowledged only %d writes", len(acked))
	}
	checkAcked(t, survivors[0].client(), acked)

	// The killed server comes back with its data and rejoins.
	leader.start()
	eventually(t, 30*time.Second, "killed server rejoins and catches up", func() error {
		kv, _, err := leader.client().KV().Get("tour/db_port", &api.QueryOptions{AllowStale: true})
		if err != nil {
			return err
		}
		if kv == nil {
			return fmt.Errorf("key missing on restarted server")
		}
		_, err = leaderOf(leader)
		return err
	})

	// Every server stopped and started again keeps its data and the same
	// leader set.
	for _, n := range append(clients, servers...) {
		n.stop()
	}
	for _, s := range servers {
		s.start()
	}
	for _, s := range servers {
		eventually(t, 30*time.Second, s.name+" knows a leader after full restart", func() error {
			_, err := leaderOf(s)
			return err
		})
	}
	if after := sortedPeers(t, servers[0]); fmt.Sprint(after) != fmt.Sprint(peersBefore) {
		t.Fatalf("peers before %v, after restart %v", peersBefore, after)
	}
	checkAcked(t, servers[1].client(), acked)
}

func sortedPeers(t *testing.T, n *node) []string {
	t.Helper()
	var peers []string
	eventually(t, 10*time.Second, "peers of "+n.name, func() error {
		var err error
		peers, err = n.client().Status().Peers()
		if err == nil && len(peers) != 3 {
			err = fmt.Errorf("%d peers", len(peers))
		}
		return err
	})
	sort.Strings(peers)
	return peers
}

func checkAcked(t *testing.T, c *api.Client, acked map[string]string) {
	t.Helper()
	var pairs api.KVPairs
	eventually(t, 10*time.Second, "read back acknowledged writes", func() error {
		var err error
		pairs, _, err = c.KV().List("writer/", &api.QueryOptions{RequireConsistent: true})
		return err
	})
	got := map[string]string{}
	for _, p := range pairs {
		got[p.Key] = string(p.Value)
	}
	lost := 0
	for k, v := range acked {
		if got[k] != v {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", lost, len(acked))
	}
}

// writer puts distinct keys in a loop and records which were acknowledged.
type writer struct {
	c      *api.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	acked map[string]string
	sends []sendAck // per acknowledged write: when it was sent and acknowledged
}

type sendAck struct{ sent, acked time.Time }

func startWriter(c *api.Client) *writer {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writer{c: c, cancel: cancel, done: make(chan struct{}), acked: map[string]string{}}
	go func() {
		defer close(w.done)
		for i := 0; i < 100000 && ctx.Err() == nil; i++ {
			key := "writer/" + strconv.Itoa(i)
			val := "v" + strconv.Itoa(i)
			sent := time.Now()
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			ok, err := putCtx(wctx, c, key, val)
			wcancel()
			if err == nil && ok {
				w.mu.Lock()
				w.acked[key] = val
				w.sends = append(w.sends, sendAck{sent: sent, acked: time.Now()})
				w.mu.Unlock()
			} else {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	return w
}

func putCtx(ctx context.Context, c *api.Client, key, val string) (bool, error) {
	_, err := c.KV().Put(&api.KVPair{Key: key, Value: []byte(val)}, (&api.WriteOptions{}).WithContext(ctx))
	return err == nil, err
}

// firstAckSentAfter is when the first write sent after t0 was
// acknowledged, or zero.
func (w *writer) firstAckSentAfter(t0 time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.sends {
		if s.sent.After(t0) {
			return s.acked
		}
	}
	return time.Time{}
}

func (w *writer) stop() map[string]string {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]string, len(w.acked))
	for k, v := range w.acked {
		out[k] = v
	}
	return out
}
