package agent_test

import (
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// BenchmarkSessionCreateDestroy creates and destroys one session per
// iteration from 8 parallel clients through consul/api, each pair two Raft
// writes on a dev agent.
func BenchmarkSessionCreateDestroy(b *testing.B) {
	c := startSessionAgentTB(b)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id, _, err := c.Session().CreateNoChecks(&api.SessionEntry{TTL: "30s"}, nil)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := c.Session().Destroy(id, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}

// BenchmarkLockHandOver100 measures the hand-over of one api.Lock among
// 100 waiters: the time from the holder's Unlock call to the next
// holder's Lock returning. Each waiter takes the lock once, so one run
// is 99 hand-overs; b.N counts runs.
func BenchmarkLockHandOver100(b *testing.B) {
	c := startSessionAgentTB(b)
	const waiters = 100
	var all []time.Duration
	for n := 0; n < b.N; n++ {
		all = append(all, lockHandOvers(b, c, waiters)...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	}
}

// lockHold is how long each holder keeps the lock. With a hold shorter
// than a round trip, a waiter whose acquisition lost can read the key
// after the winner already released it; api.Lock then takes the empty
// Session for a lock-delay and sleeps DefaultLockRetryTime (5 s).
const lockHold = 50 * time.Millisecond

func lockHandOvers(b *testing.B, c *api.Client, waiters int) []time.Duration {
	var (
		mu       sync.Mutex
		released time.Time
		lat      []time.Duration
		holders  atomic.Int32
		wg       sync.WaitGroup
	)
	key := "bench/lock/" + time.Now().Format("150405.000000")
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := c.LockOpts(&api.LockOptions{Key: key, SessionOpts: &api.SessionEntry{TTL: "30s", LockDelay: time.Millisecond}})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := l.Lock(nil); err != nil {
				b.Error(err)
				return
			}
			got := time.Now()
			if holders.Add(1) > 1 {
				b.Error("two holders at once")
			}
			mu.Lock()
			if !released.IsZero() {
				lat = append(lat, got.Sub(released))
			}
			mu.Unlock()
			time.Sleep(lockHold)
			holders.Add(-1)
			mu.Lock()
			released = time.Now()
			mu.Unlock()
			if err := l.Unlock(); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	return lat
}
