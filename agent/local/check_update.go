package local

import (
	"reflect"
	"time"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

// entryNotifier receives one runner's results. It is bound to the entry
// the runner was started for, so a runner that is being stopped cannot
// write over the check that replaced it.
type entryNotifier struct {
	s *State
	c *checkEntry
}

var _ checks.Notifier = entryNotifier{}

func (n entryNotifier) UpdateCheck(_, status, output string) {
	n.s.checkRan(status)
	n.s.updateCheck(n.c, status, output)
}

// updateCheck records a check's result. A status change
// is pushed to the catalog at once. An output-only change is held back
// until CheckUpdateInterval has passed since this check's output was
// last pushed, so a check whose output carries a timestamp does not
// write to Raft on every run.
func (s *State) updateCheck(c *checkEntry, status, output string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := c.hc.CheckID
	if s.checks[id] != c || c.deleted {
		return
	}
	if status == c.hc.Status && output == c.hc.Output {
		return
	}
	if status != c.hc.Status {
		if status == catalog.HealthCritical {
			c.criticalSince = time.Now()
		} else {
			c.criticalSince = time.Time{}
		}
		c.hc.Status, c.hc.Output = status, output
		s.cancelDeferLocked(c)
		c.inSync = false
		s.trigger()
		return
	}
	c.hc.Output = output
	if !c.inSync || c.outputDeferred {
		return // a push is already due or scheduled
	}
	s.deferOutputLocked(c)
}

// deferOutputLocked schedules the push of an output-only change for
// CheckUpdateInterval after the last push of this check's output (at
// once when that has passed). c is in sync apart from its output.
func (s *State) deferOutputLocked(c *checkEntry) {
	id := c.hc.CheckID
	wait := time.Until(c.lastOutputPush.Add(s.cfg.CheckUpdateInterval))
	if wait <= 0 {
		c.inSync = false
		s.trigger()
		return
	}
	c.outputDeferred = true
	c.deferTimer = time.AfterFunc(wait, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if cur := s.checks[id]; cur == c && c.outputDeferred {
			c.outputDeferred = false
			c.inSync = false
			s.trigger()
		}
	})
}

func (s *State) cancelDeferLocked(c *checkEntry) {
	if c.deferTimer != nil {
		c.deferTimer.Stop()
		c.deferTimer = nil
	}
	c.outputDeferred = false
}

// UpdateTTL sets a TTL check's status and output (the agent API's
// pass/warn/fail/update).
func (s *State) UpdateTTL(id, status, output string) error {
	if !catalog.ValidHealthStatus(status) || status == catalog.HealthMaint {
		return catalog.BadRequestf("Invalid check status: \"" + status + "\"; want passing, warning or critical")
	}
	s.mu.Lock()
	c, ok := s.checks[id]
	if !ok || c.deleted {
		s.mu.Unlock()
		return notFound("check", id)
	}
	ttl, isTTL := c.runner.(checks.TTLCheck)
	s.mu.Unlock()
	if !isTTL {
		return catalog.BadRequestf("CheckID \"" + id + "\" does not have associated TTL")
	}
	return ttl.SetStatus(status, output)
}

// sameDefinition reports whether two specs describe the same check.
func sameDefinition(a, b checks.Spec) bool {
	a.Status, b.Status = "", ""
	return reflect.DeepEqual(a, b)
}
