// Package monitor streams an agent's log to subscribers
// (/v1/agent/monitor, concord monitor, concord debug). Each subscription
// is an hclog sink on the agent's InterceptLogger with its own level and
// format and a bounded buffer: when a subscriber reads too slowly its
// lines are dropped and counted, and logging never waits for it.
package monitor

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
)

// DefaultBufferLines is how many lines a subscriber may fall behind
// before lines are dropped.
const DefaultBufferLines = 512

// Source hands out subscriptions to one logger's lines.
type Source struct {
	logger hclog.InterceptLogger
	buffer int

	mu     sync.Mutex
	closed bool
	active map[*chanWriter]func() uint64 // subscription -> its stop
}

// NewSource subscribes on logger, which must be the agent's root logger
// (every Named child shares its sinks). buffer <= 0 means
// DefaultBufferLines.
func NewSource(logger hclog.InterceptLogger, buffer int) *Source {
	if buffer <= 0 {
		buffer = DefaultBufferLines
	}
	return &Source{logger: logger, buffer: buffer, active: map[*chanWriter]func() uint64{}}
}

// Close ends every subscription (their channels close, so streaming
// requests return and the agent's HTTP servers can stop at once), and
// any later one at once.
func (s *Source) Close() {
	s.mu.Lock()
	s.closed = true
	stops := make([]func() uint64, 0, len(s.active))
	for _, stop := range s.active {
		stops = append(stops, stop)
	}
	s.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

// Subscribe starts a subscription of lines at level or above, as JSON
// objects or hclog's text lines, each ending in a newline. The lines
// channel is closed by stop, which also reports how many lines were
// dropped because the channel was full. A subscriber sees only lines
// logged after Subscribe returns; its level is independent of the
// agent's own.
func (s *Source) Subscribe(level hclog.Level, json bool) (lines <-chan []byte, stop func() (dropped uint64)) {
	w := &chanWriter{ch: make(chan []byte, s.buffer)}
	sink := hclog.NewSinkAdapter(&hclog.LoggerOptions{
		Level:      level,
		JSONFormat: json,
		Output:     w,
		// A subscriber on another host reads UTC, as the agent logs.
		TimeFormat: "2006-01-02T15:04:05.000Z0700",
	})
	var once sync.Once
	stop = func() uint64 {
		once.Do(func() {
			// After DeregisterSink returns no Accept is running or will
			// run (they hold the logger's sink lock), so closing is safe;
			// the writer's own flag guards against anything else.
			s.logger.DeregisterSink(sink)
			w.close()
			s.mu.Lock()
			delete(s.active, w)
			s.mu.Unlock()
		})
		return w.dropped.Load()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.close()
		return w.ch, func() uint64 { return 0 }
	}
	s.active[w] = stop
	s.mu.Unlock()
	s.logger.RegisterSink(sink)
	return w.ch, stop
}

// chanWriter receives one formatted line per Write from the sink and
// queues a copy without ever blocking the logger.
type chanWriter struct {
	mu      sync.Mutex
	closed  bool
	ch      chan []byte
	dropped atomic.Uint64
}

func (w *chanWriter) Write(p []byte) (int, error) {
	line := append([]byte(nil), p...)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(p), nil
	}
	select {
	case w.ch <- line:
	default:
		w.dropped.Add(1)
	}
	return len(p), nil
}

func (w *chanWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
}
