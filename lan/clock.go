package lan

import "sync/atomic"

// lamportClock orders leave and join intents across the pool. Every intent
// carries the issuer's clock; receivers witness it, and push/pull exchanges
// carry it too, so a node that (re)joins issues a join intent whose time is
// above every intent the nodes it synced with had seen.
type lamportClock struct {
	v atomic.Uint64
}

// Time returns the current value.
func (c *lamportClock) Time() uint64 { return c.v.Load() }

// Increment advances the clock and returns the new value.
func (c *lamportClock) Increment() uint64 { return c.v.Add(1) }

// Witness moves the clock past t if it is not already.
func (c *lamportClock) Witness(t uint64) {
	for {
		cur := c.v.Load()
		if t < cur {
			return
		}
		if c.v.CompareAndSwap(cur, t+1) {
			return
		}
	}
}
