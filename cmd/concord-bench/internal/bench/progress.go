package bench

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints "name elapsed ops ops/s errors" while a run lasts. On a
// terminal the line is rewritten in place (\r) every second and erased at
// the end; otherwise (a file or a pipe, e.g. under a script) a plain line
// is written every 5 s so logs stay readable. ops/s is the rate over the
// last interval, which shows stalls (a failover) that an average hides.
type progress struct {
	w        io.Writer
	tty      bool
	name     string
	ops      *atomic.Int64
	errs     *atomic.Int64
	start    time.Time
	done     chan struct{}
	finished sync.WaitGroup
}

// How often the line is refreshed on a terminal and written elsewhere.
var ttyEvery, plainEvery = time.Second, 5 * time.Second

// isTerminal reports whether w is a character device such as a tty.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// startProgress starts the reporter; a nil writer gives a no-op.
func startProgress(w io.Writer, name string, ops, errs *atomic.Int64) *progress {
	p := &progress{w: w, tty: isTerminal(w), name: name, ops: ops, errs: errs,
		start: time.Now(), done: make(chan struct{})}
	if w == nil {
		return p
	}
	every := plainEvery
	if p.tty {
		every = ttyEvery
	}
	p.finished.Add(1)
	go p.loop(every)
	return p
}

func (p *progress) loop(every time.Duration) {
	defer p.finished.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	last, lastAt := int64(0), p.start
	for {
		select {
		case <-p.done:
			if p.tty {
				fmt.Fprint(p.w, "\r\x1b[K")
			}
			return
		case now := <-t.C:
			n := p.ops.Load()
			line := fmt.Sprintf("%s  elapsed %s  ops %d  ops/s %.1f  errors %d",
				p.name, now.Sub(p.start).Round(time.Second), n,
				float64(n-last)/now.Sub(lastAt).Seconds(), p.errs.Load())
			last, lastAt = n, now
			if p.tty {
				fmt.Fprintf(p.w, "\r\x1b[K%s", line)
			} else {
				fmt.Fprintln(p.w, line)
			}
		}
	}
}

// stop ends the reporter and waits for it to clean its line.
func (p *progress) stop() {
	if p.w == nil {
		return
	}
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	p.finished.Wait()
}
