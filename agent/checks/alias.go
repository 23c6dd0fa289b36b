package checks

import (
	"context"
	"fmt"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// AliasSource reads the health an alias check mirrors. The agent
// implements it with a blocking Health.NodeChecks query (plus a lookup of
// the node's services) for a remote node, or from its local state for its
// own node.
//
// It is called from each alias check's goroutine, so it must be safe for
// concurrent use.
type AliasSource interface {
	// AliasChecks returns the checks of node (the agent's own node when
	// node is "") that bear on serviceID: the node's own checks (empty
	// ServiceID) and serviceID's. Others may be included; the alias check
	// ignores them. It blocks until the result's index is above minIndex,
	// for at most the source's own wait, or until ctx ends; minIndex 0
	// answers at once.
	AliasChecks(ctx context.Context, node, serviceID string, minIndex uint64) (AliasResult, error)
}

// AliasResult is one answer of an AliasSource.
type AliasResult struct {
	// Index is the index the answer reflects, to pass back as minIndex. It
	// must rise whenever the checks change: an answer with an unchanged
	// index is taken as a wait that timed out.
	Index uint64
	// ServiceExists says the node has the service, checks or no checks.
	ServiceExists bool
	Checks        []catalog.HealthCheck
}

// Alias backoff after a failed read: it doubles from the first value up to
// the second.
const (
	aliasRetryMin = time.Second
	aliasRetryMax = 30 * time.Second
)

// aliasMinGap is the least time between two reads whose index did not
// move, so a source that does not block cannot spin the check.
const aliasMinGap = 100 * time.Millisecond

// aliasCheck mirrors the worst status of a service's checks and its node's
// checks: passing when there are none, critical when the service does not
// exist. It reports after every answer whose index moved, and critical
// with the error after a failed read.
type aliasCheck struct {
	lifecycle
	node, service string
	source        AliasSource
	notify        *threshold
	logger        hclog.Logger
	maxSize       int
	retryMin      time.Duration // aliasRetryMin; tests shorten it
}

func newAliasCheck(spec Spec, notify *threshold, source AliasSource, logger hclog.Logger) *aliasCheck {
	c := &aliasCheck{
		node:     spec.AliasNode,
		service:  spec.AliasService,
		source:   source,
		notify:   notify,
		logger:   logger,
		maxSize:  spec.OutputMaxSize,
		retryMin: aliasRetryMin,
	}
	c.init()
	return c
}

func (c *aliasCheck) Start() { c.start(c.loop) }
func (c *aliasCheck) Stop()  { c.stop() }

func (c *aliasCheck) loop() {
	var index uint64
	reported := false
	retry := c.retryMin
	for {
		begun := time.Now()
		res, err := c.source.AliasChecks(c.ctx, c.node, c.service, index)
		if c.ctx.Err() != nil {
			return
		}
		if err != nil {
			c.logger.Warn("reading the aliased service's health failed", "error", err, "retry_in", retry)
			c.notify.report(catalog.HealthCritical, truncate(fmt.Sprintf("Failure checking aliased service %q: %v", c.service, err), c.maxSize))
			if !c.sleep(retry) {
				return
			}
			retry = min(2*retry, aliasRetryMax)
			continue
		}
		retry = c.retryMin
		if reported && res.Index == index {
			// The wait timed out with nothing new.
			if !c.sleep(aliasMinGap - time.Since(begun)) {
				return
			}
			continue
		}
		// An index that went backwards (a restored snapshot, another
		// server) starts the blocking over.
		if res.Index < index {
			index = 0
		} else {
			index = res.Index
		}
		status, output := c.aggregate(res)
		c.notify.report(status, truncate(output, c.maxSize))
		reported = true
	}
}

// aggregate folds the answer into one status, the worst of the relevant
// checks, with output naming the check that decided it.
func (c *aliasCheck) aggregate(res AliasResult) (string, string) {
	if !res.ServiceExists {
		return catalog.HealthCritical, fmt.Sprintf("Service %q not found", c.service)
	}
	status, output := catalog.HealthPassing, "No checks found."
	for _, chk := range res.Checks {
		if chk.ServiceID != "" && chk.ServiceID != c.service {
			continue
		}
		if worse(chk.Status, status) {
			status = catalog.HealthCritical
			if severity(chk.Status) == 1 {
				status = catalog.HealthWarning
			}
			output = fmt.Sprintf("Aliased check %q failing: %s", chk.Name, chk.Output)
		} else if status == catalog.HealthPassing {
			output = "All checks passing."
		}
	}
	return status, output
}

// worse reports whether status a is worse than b. Maintenance counts as
// critical, and so does any status it does not know.
func worse(a, b string) bool { return severity(a) > severity(b) }

func severity(s string) int {
	switch s {
	case catalog.HealthPassing:
		return 0
	case catalog.HealthWarning:
		return 1
	}
	return 2
}

// sleep waits d, or less if the check stops; it reports whether the check
// is still running.
func (c *aliasCheck) sleep(d time.Duration) bool {
	if d <= 0 {
		return c.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
