package checks

import (
	"sync"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// threshold stands between a runner and the Notifier and reports a status
// only once enough consecutive results agree, with Consul's semantics:
//
//   - A success (passing or warning) is reported after SuccessBeforePassing
//     consecutive successes.
//   - A failure (critical) is reported as critical after
//     FailuresBeforeCritical consecutive failures, and before that as
//     warning once FailuresBeforeWarning consecutive failures are reached.
//     An unset FailuresBeforeWarning means FailuresBeforeCritical.
//
// Until a threshold is reached nothing is reported, so the check keeps its
// last status and output. Zero thresholds report every result at once.
type threshold struct {
	id     string
	next   Notifier
	logger hclog.Logger

	successBeforePassing   int
	failuresBeforeWarning  int
	failuresBeforeCritical int

	mu        sync.Mutex // guards the fields below and serialises reports
	successes int
	failures  int
	last      string // the status last reported, or the initial one
}

func newThreshold(spec Spec, next Notifier, logger hclog.Logger) *threshold {
	t := &threshold{
		id:                     spec.ID,
		next:                   next,
		logger:                 logger,
		successBeforePassing:   spec.SuccessBeforePassing,
		failuresBeforeWarning:  spec.FailuresBeforeWarning,
		failuresBeforeCritical: spec.FailuresBeforeCritical,
		last:                   spec.Status,
	}
	if t.failuresBeforeWarning == 0 {
		t.failuresBeforeWarning = t.failuresBeforeCritical
	}
	return t
}

// report passes one result through the filter.
func (t *threshold) report(status, output string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if status == catalog.HealthPassing || status == catalog.HealthWarning {
		t.successes++
		t.failures = 0
		if t.successes < t.successBeforePassing {
			t.logger.Debug("check succeeded, not reporting it yet", "status", status,
				"successes", t.successes, "needed", t.successBeforePassing)
			return
		}
	} else {
		t.failures++
		t.successes = 0
		switch {
		case t.failures >= t.failuresBeforeCritical:
			status = catalog.HealthCritical
		case t.failures >= t.failuresBeforeWarning:
			status = catalog.HealthWarning
		default:
			t.logger.Debug("check failed, not reporting it yet", "failures", t.failures,
				"needed", t.failuresBeforeCritical)
			return
		}
	}
	if status != t.last && status != catalog.HealthPassing {
		t.logger.Warn("check is now "+status, "output", output)
	}
	t.last = status
	t.next.UpdateCheck(t.id, status, output)
}
