package template

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
)

// Runner renders its templates and keeps them current. Run (or Once)
// owns the templates' state; the query watchers only write answers, under
// mu.
type Runner struct {
	cfg Config

	mu      sync.Mutex
	results map[string]any   // guarded by mu: latest answer per query id
	failed  map[string]error // guarded by mu: queries whose last fetch failed
	fresh   map[string]bool  // guarded by mu: ids answered since the loop last looked
	changed chan struct{}    // a token: something in fresh or failed

	wg sync.WaitGroup // watchers
}

// tmplState is one template as the loop tracks it.
type tmplState struct {
	spec     Spec
	src      string
	used     map[string]query
	pending  bool      // a change waits for its quiet period
	first    time.Time // when the pending change began (for Wait.Max)
	due      time.Time // when it renders
	rendered bool      // written (or found identical) at least once
	err      error     // the last render's error
}

// New validates cfg and reads every template.
func New(cfg Config) (*Runner, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, results: map[string]any{}, failed: map[string]error{},
		fresh: map[string]bool{}, changed: make(chan struct{}, 1)}, nil
}

// Run keeps the templates rendered until ctx ends.
func (r *Runner) Run(ctx context.Context) error { return r.loop(ctx, false) }

// Once renders every template once (waiting for every query's first
// answer), runs the commands of those that changed, and returns. A query
// that fails fails Once, and leaves the destination as it was.
func (r *Runner) Once(ctx context.Context) error { return r.loop(ctx, true) }

func (r *Runner) get(id string) (any, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.results[id]
	return v, ok
}

func (r *Runner) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *Runner) loop(ctx context.Context, once bool) error {
	ctx, cancel := context.WithCancel(ctx)
	watchers := map[string]context.CancelFunc{}
	defer r.wg.Wait()
	defer cancel()

	states := make([]*tmplState, 0, len(r.cfg.Templates))
	now := time.Now()
	for _, sp := range r.cfg.Templates {
		src, err := os.ReadFile(sp.Source)
		if err != nil {
			return err
		}
		states = append(states, &tmplState{spec: sp, src: string(src), pending: true, first: now, due: now})
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now = time.Now()
		for _, s := range states {
			if s.pending && !now.Before(s.due) {
				s.pending = false
				r.renderOne(ctx, s)
				if once && s.err != nil {
					return s.err
				}
			}
		}
		r.syncWatchers(ctx, states, watchers)
		if once {
			if err := r.onceDone(states); err != nil || allRendered(states) {
				return err
			}
		}
		next := time.Hour
		for _, s := range states {
			if s.pending {
				next = min(next, max(0, time.Until(s.due)))
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
			if once {
				return ctx.Err()
			}
			return nil
		case <-timer.C:
		case <-r.changed:
			ids := r.takeFresh()
			now = time.Now()
			for _, s := range states {
				if uses(s, ids) {
					r.schedule(s, now, once)
				}
			}
		}
	}
}

// schedule sets when s renders after a change at now: Wait.Min after the
// latest change, but no later than Wait.Max after the first. A template
// not yet rendered, or rendered -once, does not wait.
func (r *Runner) schedule(s *tmplState, now time.Time, once bool) {
	if !s.pending {
		s.pending, s.first = true, now
	}
	w := s.spec.Wait
	if once || !s.rendered || w.Min == 0 {
		s.due = now
		return
	}
	s.due = now.Add(w.Min)
	if limit := s.first.Add(w.Max); s.due.After(limit) {
		s.due = limit
	}
}

// uses reports whether s reads one of ids, or has not been rendered (it
// may be waiting for any of its queries).
func uses(s *tmplState, ids map[string]bool) bool {
	if !s.rendered {
		return true
	}
	for id := range ids {
		if _, ok := s.used[id]; ok {
			return true
		}
	}
	return false
}

func allRendered(states []*tmplState) bool {
	for _, s := range states {
		if !s.rendered {
			return false
		}
	}
	return true
}

// onceDone fails -once when a query a template waits for has failed.
func (r *Runner) onceDone(states []*tmplState) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range states {
		if s.rendered {
			continue
		}
		for id := range s.used {
			if err := r.failed[id]; err != nil {
				return fmt.Errorf("template %s: %w", s.spec.Source, err)
			}
		}
	}
	return nil
}

func (r *Runner) takeFresh() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := r.fresh
	r.fresh = map[string]bool{}
	return ids
}

// renderOne renders s and, when the output is complete and every query
// it read is answering, writes it and runs its command if it changed.
func (r *Runner) renderOne(ctx context.Context, s *tmplState) {
	log := r.cfg.Logger.With("template", s.spec.Source, "destination", s.spec.Destination)
	out, used, complete, err := render(s.spec.Source, s.src, r, r.cfg.Now, r.cfg.Env)
	if used != nil {
		s.used = used
	}
	s.err = err
	if err != nil {
		log.Error("render failed; the destination is unchanged", "error", err)
		return
	}
	if !complete {
		log.Debug("waiting for data")
		return
	}
	if id, err := r.failing(used); err != nil {
		log.Warn("a query is failing; the destination is unchanged until it answers", "query", id, "error", err)
		return
	}
	wrote, err := writeIfChanged(s.spec.Destination, out, s.spec.Perms)
	if err != nil {
		s.err = err
		log.Error("write failed", "error", err)
		return
	}
	s.rendered = true
	if !wrote {
		return
	}
	log.Info("rendered")
	if s.spec.Command != "" {
		runCommand(ctx, log, s.spec.Command, s.spec.CommandTimeout)
	}
}

func (r *Runner) failing(used map[string]query) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range used {
		if err := r.failed[id]; err != nil {
			return id, err
		}
	}
	return "", nil
}

// syncWatchers starts a watcher for every query a template reads and
// stops those no template reads any more.
func (r *Runner) syncWatchers(ctx context.Context, states []*tmplState, watchers map[string]context.CancelFunc) {
	want := map[string]query{}
	for _, s := range states {
		for id, q := range s.used {
			want[id] = q
		}
	}
	for id, stop := range watchers {
		if _, ok := want[id]; !ok {
			stop()
			delete(watchers, id)
			r.mu.Lock()
			delete(r.results, id)
			delete(r.failed, id)
			r.mu.Unlock()
		}
	}
	for id, q := range want {
		if _, ok := watchers[id]; ok {
			continue
		}
		wctx, stop := context.WithCancel(ctx)
		watchers[id] = stop
		r.wg.Add(1)
		go r.watch(wctx, q)
	}
}

// watch asks q again and again as a blocking query on the index of its
// last answer, and records each new answer; a failure is recorded and
// retried with a growing delay.
func (r *Runner) watch(ctx context.Context, q query) {
	defer r.wg.Done()
	id := q.id()
	var index uint64
	first := true
	backoff := r.cfg.RetryMin
	for ctx.Err() == nil {
		opts := (&api.QueryOptions{WaitIndex: index, WaitTime: r.cfg.QueryWait}).WithContext(ctx)
		v, idx, err := q.fetch(r.cfg.Client, opts)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return
			}
			r.mu.Lock()
			_, wasFailing := r.failed[id]
			r.failed[id] = err
			r.mu.Unlock()
			if !wasFailing {
				r.cfg.Logger.Warn("query failed; retrying", "query", id, "error", err)
				r.signal()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, r.cfg.RetryMax)
			continue
		}
		backoff = r.cfg.RetryMin
		r.mu.Lock()
		_, wasFailing := r.failed[id]
		delete(r.failed, id)
		news := first || idx != index || wasFailing
		if news {
			r.results[id] = v
			r.fresh[id] = true
		}
		r.mu.Unlock()
		if news {
			r.signal()
		}
		first = false
		// An index that went backwards (a restored snapshot, a new
		// cluster) starts over; 0 would not block.
		index = max(idx, 1)
	}
}
