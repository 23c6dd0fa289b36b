package checks

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// probe runs a check once and returns its status and output. ctx carries
// the check's timeout and ends early when the check stops.
type probe func(ctx context.Context) (status, output string)

// lifecycle is the Start/Stop plumbing every runner shares: one goroutine,
// a context that Stop cancels, and a channel closed when the goroutine
// ends.
type lifecycle struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards started and stopped
	started bool
	stopped bool
	done    chan struct{}
}

func (l *lifecycle) init() {
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.done = make(chan struct{})
}

// start runs loop in a goroutine, once, unless the check has stopped.
func (l *lifecycle) start(loop func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.stopped {
		return
	}
	l.started = true
	go func() {
		defer close(l.done)
		loop()
	}()
}

// stop cancels the context and waits for the goroutine, if any.
func (l *lifecycle) stop() {
	l.mu.Lock()
	l.stopped = true
	started := l.started
	l.mu.Unlock()
	l.cancel()
	if started {
		<-l.done
	}
}

// intervalCheck runs a probe every interval, the first time after a random
// fraction of it so that checks registered together spread out.
type intervalCheck struct {
	lifecycle
	interval time.Duration
	timeout  time.Duration
	probe    probe
	notify   *threshold
}

func newIntervalCheck(spec Spec, notify *threshold, p probe) *intervalCheck {
	c := &intervalCheck{
		interval: spec.Interval,
		timeout:  spec.Timeout,
		probe:    p,
		notify:   notify,
	}
	c.init()
	return c
}

func (c *intervalCheck) Start() { c.start(c.loop) }
func (c *intervalCheck) Stop()  { c.stop() }

func (c *intervalCheck) loop() {
	timer := time.NewTimer(rand.N(c.interval))
	defer timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-timer.C:
		}
		c.runOnce()
		timer.Reset(c.interval)
	}
}

// runOnce runs the probe with the timeout and reports its result, unless
// the check stopped meanwhile.
func (c *intervalCheck) runOnce() {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	status, output := c.probe(ctx)
	cancel()
	if c.ctx.Err() != nil {
		return
	}
	c.notify.report(status, output)
}
