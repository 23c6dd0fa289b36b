package checks

import (
	"fmt"
	"net/http"

	"github.com/hashicorp/go-hclog"
)

// Notifier receives check results, after the threshold filter. The agent's
// local state implements it.
//
// UpdateCheck is called from many goroutines at once (each check runs on
// its own), so it must be safe for concurrent use. A check calls it with
// its own locks held, so it must not call back into the check (Stop or
// SetStatus); it should return quickly, as a slow Notifier delays the
// check's next run.
type Notifier interface {
	UpdateCheck(checkID, status, output string)
}

// NotifierFunc adapts a function to a Notifier.
type NotifierFunc func(checkID, status, output string)

// UpdateCheck calls f.
func (f NotifierFunc) UpdateCheck(checkID, status, output string) { f(checkID, status, output) }

// Check is a running health check.
type Check interface {
	// Start begins running the check in its own goroutine. Starting a
	// started check does nothing.
	Start()
	// Stop stops the check and waits for its goroutine to end, aborting a
	// run in progress; no result is reported once Stop returns. Stop is
	// idempotent and may be called without Start. A stopped check does not
	// start again: build a new one.
	Stop()
}

// TTLCheck is the Check that New returns for a TTL spec: it turns critical
// unless SetStatus is called within every TTL.
type TTLCheck interface {
	Check
	// SetStatus reports status (passing, warning or critical) with output
	// and restarts the TTL. It answers a catalog.BadRequest for any other
	// status. Output is truncated to the spec's OutputMaxSize.
	SetStatus(status, output string) error
}

// Deps are what a check needs from its surroundings.
type Deps struct {
	// Notifier receives every result; required.
	Notifier Notifier
	// Logger defaults to a logger that discards.
	Logger hclog.Logger
	// Alias reads the health alias checks mirror; required for them.
	Alias AliasSource
	// HTTPClient, when set, runs HTTP checks instead of a client of the
	// check's own (tests). It is used as is: Timeout, TLS settings and
	// redirects are the caller's.
	HTTPClient *http.Client
}

// New builds the runner for spec, not yet started. It runs the spec as
// given: call Normalize first for Consul's defaults and minimum interval
// (New itself fills only a missing Timeout, Method and OutputMaxSize), and
// Validate with the agent's options, since New does not enforce the script
// settings. It refuses a spec Validate would otherwise refuse.
func New(spec Spec, deps Deps) (Check, error) {
	if err := spec.Validate(ValidateOptions{EnableScriptChecks: true}); err != nil {
		return nil, err
	}
	if spec.ID == "" {
		spec.ID = spec.Name
	}
	if spec.Timeout == 0 {
		spec.Timeout = DefaultTimeout
	}
	if spec.Method == "" {
		spec.Method = DefaultMethod
	}
	if spec.OutputMaxSize == 0 {
		spec.OutputMaxSize = DefaultOutputMaxSize
	}
	if deps.Notifier == nil {
		return nil, fmt.Errorf("check %q: no Notifier", spec.ID)
	}
	if deps.Logger == nil {
		deps.Logger = hclog.NewNullLogger()
	}
	deps.Logger = deps.Logger.With("check", spec.ID)
	notify := newThreshold(spec, deps.Notifier, deps.Logger)

	switch spec.Kind() {
	case KindHTTP:
		return newIntervalCheck(spec, notify, newHTTPProbe(spec, deps.HTTPClient)), nil
	case KindTCP:
		return newIntervalCheck(spec, notify, newTCPProbe(spec)), nil
	case KindUDP:
		return newIntervalCheck(spec, notify, newUDPProbe(spec)), nil
	case KindGRPC:
		return newIntervalCheck(spec, notify, newGRPCProbe(spec)), nil
	case KindScript:
		return newIntervalCheck(spec, notify, newScriptProbe(spec)), nil
	case KindTTL:
		return newTTLCheck(spec, notify), nil
	case KindAlias:
		if deps.Alias == nil {
			return nil, fmt.Errorf("check %q: alias checks need an AliasSource", spec.ID)
		}
		return newAliasCheck(spec, notify, deps.Alias, deps.Logger), nil
	}
	return nil, fmt.Errorf("check %q: kind %q has no runner", spec.ID, spec.Kind())
}
