package local

import (
	"github.com/concord-dev/concord/agent/checks"
)

// startRunnerLocked starts the runner of a check that has one (not a
// maintenance check).
func (s *State) startRunnerLocked(c *checkEntry) error {
	if c.spec.Kind() == "" || c.disabled {
		return nil
	}
	r, err := checks.New(c.spec, checks.Deps{
		Notifier: entryNotifier{s, c},
		Logger:   s.logger.Named("check"),
		Alias:    aliasSource{s},
	})
	if err != nil {
		return err
	}
	c.runner = r
	// Start may call UpdateCheck, which takes mu: start it outside.
	go r.Start()
	return nil
}

// stopRunnerLocked stops a check's runner. Stop waits for a run in
// progress, which may be waiting for mu to report, so it runs on its own
// goroutine; the entry-bound notifier drops whatever it still reports.
func (s *State) stopRunnerLocked(c *checkEntry) {
	s.cancelDeferLocked(c)
	if c.runner != nil {
		r := c.runner
		c.runner = nil
		s.stopping.Add(1)
		go func() {
			defer s.stopping.Done()
			r.Stop()
		}()
	}
}
