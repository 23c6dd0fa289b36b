package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

func failoverFlags(fs *flag.FlagSet, o *Options) {
	fs.IntVar(&o.KillPID, "kill-pid", o.KillPID, "pid to SIGKILL after -kill-after (e.g. the leader)")
	fs.StringVar(&o.KillCmd, "kill-cmd", o.KillCmd, "shell command run (sh -c) after -kill-after instead of -kill-pid")
	fs.DurationVar(&o.KillAfter, "kill-after", o.KillAfter, "delay from the start of the writes to the kill")
	fs.StringVar(&o.Prefix, "prefix", o.Prefix, "key prefix (keys are PREFIXfailover/RUN/cN/SEQ)")
	fs.DurationVar(&o.ReadbackTimeout, "readback-timeout", o.ReadbackTimeout, "how long the final read-back retries until a leader answers")
}

// FailoverResult is what a kill did to the writes.
type FailoverResult struct {
	Kill         string  `json:"kill"`
	KillError    string  `json:"kill_error,omitempty"`
	KilledAtSec  float64 `json:"killed_at_s"`
	Acknowledged int64   `json:"acknowledged"`
	// UnavailableMS is the time from the last write acknowledged before
	// the kill to the first acknowledged write sent after it, across all
	// writers; -1 if the writes never recovered (or none preceded it).
	UnavailableMS float64 `json:"unavailable_ms"`
	Recovered     bool    `json:"recovered"`
	// Lost is acknowledged keys missing or holding another value on the
	// final consistent read; it must be 0.
	Lost        int64    `json:"lost"`
	Missing     int64    `json:"missing"`
	WrongValue  int64    `json:"wrong_value"`
	LostSamples []string `json:"lost_samples,omitempty"`
	// Unacknowledged writes that were applied anyway (timeouts): allowed.
	UnackedPresent int64   `json:"unacked_present"`
	ReadbackSec    float64 `json:"readback_s"`
	Prefix         string  `json:"prefix"`
}

func (f *FailoverResult) rows() []row {
	window := "never recovered"
	if f.Recovered {
		window = fmtMS(f.UnavailableMS)
	}
	kill := f.Kill + fmt.Sprintf(" at %.2fs", f.KilledAtSec)
	if f.KillError != "" {
		kill += " (failed: " + f.KillError + ")"
	}
	rs := []row{
		{"kill", kill},
		{"acked", fmt.Sprint(f.Acknowledged)},
		{"unavailable", window},
		{"lost", fmt.Sprintf("%d (missing %d, wrong value %d)", f.Lost, f.Missing, f.WrongValue)},
		{"unacked ok", fmt.Sprintf("%d unacknowledged writes were applied", f.UnackedPresent)},
		{"readback", fmt.Sprintf("%.2fs", f.ReadbackSec)},
	}
	for _, s := range f.LostSamples {
		rs = append(rs, row{"  lost", s})
	}
	return rs
}

// failoverWriter is one writer's private record (only it writes it).
type failoverWriter struct {
	acked      []int64
	lastBefore time.Time // last ack before the kill
	firstAfter time.Time // first ack of a write sent after the kill
	addr       int       // index into the endpoints; moves on transport errors
}

// RunFailover keeps o.Clients writers writing distinct keys (value
// "wN-SEQ"), kills a server after o.KillAfter (SIGKILL to o.KillPID, or
// sh -c o.KillCmd, or o.Kill), and measures the unavailability window.
// A write is acknowledged only on 200 + `true`. A writer whose address
// stops answering (transport error) moves on to the next -addr, as a
// client with several agents would; after any error it pauses 50 ms. At
// the end every acknowledged key is read back (?consistent, retried for
// o.ReadbackTimeout until a leader answers) and Lost counts the missing
// or wrong ones.
func RunFailover(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	kill, desc, err := o.killer()
	if err != nil {
		return nil, err
	}
	eps, err := o.endpoints(o.Clients)
	if err != nil {
		return nil, err
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	prefix := fmt.Sprintf("%sfailover/%s/", o.Prefix, run)
	res := &FailoverResult{Kill: desc, Prefix: prefix, UnavailableMS: -1}
	r := newReport("failover")
	o.limits(r)
	r.param("kill-after", o.KillAfter)
	r.Failover = res

	writers := make([]failoverWriter, o.Clients)
	var killedAt atomic.Int64 // UnixNano of the kill; 0 before
	start := time.Now()
	killDone := make(chan struct{})
	timer := time.AfterFunc(o.KillAfter, func() {
		defer close(killDone)
		now := time.Now()
		killedAt.Store(now.UnixNano())
		res.KilledAtSec = now.Sub(start).Seconds()
		if err := kill(ctx); err != nil {
			res.KillError = err.Error()
		}
	})
	l := &loop{name: "failover", opts: &o, phases: []string{"put"}}
	lres := l.run(ctx, eps, func(ctx context.Context, w *worker, seq int64) {
		fw := &writers[w.id]
		ep := eps[(w.id+fw.addr)%len(eps)]
		key := fmt.Sprintf("%sc%d/%d", prefix, w.id, seq)
		sent := time.Now()
		err := w.timed(ctx, 0, func(ctx context.Context) error {
			return ep.putTrue(ctx, kvPath(key), "", []byte(failoverValue(w.id, seq)))
		})
		acked := time.Now()
		if err != nil {
			var se *statusError
			if !errors.As(err, &se) {
				fw.addr++
			}
			sleepCtx(ctx, 50*time.Millisecond)
			return
		}
		fw.acked = append(fw.acked, seq)
		k := killedAt.Load()
		switch {
		case k == 0 || acked.UnixNano() < k:
			fw.lastBefore = acked
		case sent.UnixNano() >= k && fw.firstAfter.IsZero():
			fw.firstAfter = acked
		}
	})
	if timer.Stop() {
		lres.fill(r)
		return r, fmt.Errorf("the run ended before -kill-after %s: nothing was killed", o.KillAfter)
	}
	<-killDone
	lres.fill(r)

	var last, first time.Time
	for i := range writers {
		fw := &writers[i]
		res.Acknowledged += int64(len(fw.acked))
		if fw.lastBefore.After(last) {
			last = fw.lastBefore
		}
		if !fw.firstAfter.IsZero() && (first.IsZero() || fw.firstAfter.Before(first)) {
			first = fw.firstAfter
		}
	}
	if !last.IsZero() && !first.IsZero() {
		res.Recovered = true
		res.UnavailableMS = ms(first.Sub(last))
	}
	if last.IsZero() {
		r.note("no write was acknowledged before the kill: the window is unknown")
	}
	rbStart := time.Now()
	err = readBack(ctx, &o, eps, prefix, writers, res)
	res.ReadbackSec = time.Since(rbStart).Seconds()
	if err != nil {
		return r, fmt.Errorf("read-back: %w", err)
	}
	return r, nil
}

func failoverValue(writer int, seq int64) string { return fmt.Sprintf("w%d-%d", writer, seq) }

// killer resolves how the failover kills its server.
func (o *Options) killer() (func(context.Context) error, string, error) {
	switch {
	case o.Kill != nil:
		return o.Kill, "custom", nil
	case o.KillPID > 0 && o.KillCmd != "":
		return nil, "", fmt.Errorf("give -kill-pid or -kill-cmd, not both")
	case o.KillPID > 0:
		pid := o.KillPID
		return func(context.Context) error {
			return syscall.Kill(pid, syscall.SIGKILL)
		}, fmt.Sprintf("SIGKILL pid %d", pid), nil
	case o.KillCmd != "":
		cmdline := o.KillCmd
		return func(ctx context.Context) error {
			out, err := exec.CommandContext(ctx, "sh", "-c", cmdline).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}, fmt.Sprintf("sh -c %q", cmdline), nil
	}
	return nil, "", fmt.Errorf("failover needs -kill-pid or -kill-cmd")
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
