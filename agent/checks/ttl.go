package checks

import (
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// ttlExpired is the output of a TTL check whose TTL ran out; Consul's.
const ttlExpired = "TTL expired"

// ttlCheck turns critical when SetStatus is not called within TTL of Start
// or of the last SetStatus.
type ttlCheck struct {
	ttl     time.Duration
	maxSize int
	notify  *threshold

	mu         sync.Mutex // guards the fields below; held while reporting
	timer      *time.Timer
	started    bool
	stopped    bool
	deadline   time.Time // when the TTL runs out
	lastOutput string
}

var _ TTLCheck = (*ttlCheck)(nil)

func newTTLCheck(spec Spec, notify *threshold) *ttlCheck {
	return &ttlCheck{ttl: spec.TTL, maxSize: spec.OutputMaxSize, notify: notify}
}

func (c *ttlCheck) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.stopped {
		return
	}
	c.started = true
	c.deadline = time.Now().Add(c.ttl)
	c.timer = time.AfterFunc(c.ttl, c.expire)
}

func (c *ttlCheck) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
}

// SetStatus reports status and restarts the TTL. Before Start it reports
// too, and Start begins the TTL; after Stop it does nothing.
func (c *ttlCheck) SetStatus(status, output string) error {
	switch status {
	case catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Status: %q is not one of passing, warning or critical", status)
	}
	output = truncate(output, c.maxSize)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.lastOutput = output
	c.deadline = time.Now().Add(c.ttl)
	if c.timer != nil {
		c.timer.Reset(c.ttl)
	}
	c.notify.report(status, output)
	return nil
}

// expire runs when the timer fires. A SetStatus that raced it has moved
// the deadline and reset the timer, so expire then does nothing.
func (c *ttlCheck) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || time.Now().Before(c.deadline) {
		return
	}
	output := ttlExpired
	if c.lastOutput != "" {
		output = truncate(ttlExpired+" (last output before timeout follows): "+c.lastOutput, c.maxSize)
	}
	c.notify.report(catalog.HealthCritical, output)
}
