package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// ValidateOptions are the agent settings that decide which checks it
// accepts.
type ValidateOptions struct {
	// EnableScriptChecks allows script checks from any source, the agent
	// API included (enable_script_checks).
	EnableScriptChecks bool
	// EnableLocalScriptChecks allows script checks from config files only
	// (enable_local_script_checks).
	EnableLocalScriptChecks bool
	// FromConfigFile says the spec came from a config file, not the API.
	FromConfigFile bool
}

// kindFields lists the kinds with the fields that set them, as Consul's
// JSON spells them, for the error that a spec has none or several.
const kindFields = "HTTP, TCP, UDP, GRPC, TTL, ScriptArgs, AliasService or DockerContainerID"

// Validate reports the first problem with the spec as a catalog.BadRequest
// naming the field as Consul's JSON spells it. It does not change the
// spec; an interval below MinInterval is not an error (Normalize raises
// it).
func (s *Spec) Validate(opts ValidateOptions) error {
	kinds := s.kinds()
	switch {
	case len(kinds) == 0:
		return badRequest("a check needs exactly one of %s", kindFields)
	case len(kinds) > 1:
		return badRequest("a check needs exactly one of %s; this one sets %s", kindFields, strings.Join(kinds, " and "))
	}
	kind := kinds[0]
	if s.ID == "" && s.Name == "" {
		return badRequest("Name: a check needs a Name or an ID")
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"Interval", s.Interval},
		{"Timeout", s.Timeout},
		{"TTL", s.TTL},
		{"DeregisterCriticalServiceAfter", s.DeregisterCriticalServiceAfter},
	} {
		if d.v < 0 {
			return badRequest("%s: %s cannot be negative", d.field, d.v)
		}
	}
	for _, n := range []struct {
		field string
		v     int
	}{
		{"SuccessBeforePassing", s.SuccessBeforePassing},
		{"FailuresBeforeWarning", s.FailuresBeforeWarning},
		{"FailuresBeforeCritical", s.FailuresBeforeCritical},
		{"OutputMaxSize", s.OutputMaxSize},
	} {
		if n.v < 0 {
			return badRequest("%s: %d cannot be negative", n.field, n.v)
		}
	}
	switch s.Status {
	case "", catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Status: %q is not one of passing, warning or critical", s.Status)
	}

	switch kind {
	case KindDocker:
		return badRequest("DockerContainerID: Docker checks are not supported by concord")
	case KindTTL:
		if s.Interval != 0 {
			return badRequest("Interval: a TTL check takes no Interval; it turns critical when not updated within its TTL")
		}
	case KindAlias:
		if s.AliasService == "" {
			return badRequest("AliasService: an alias check needs the service ID it mirrors (AliasNode alone is not supported)")
		}
	default: // HTTP, TCP, UDP, gRPC, script
		if s.Interval == 0 {
			return badRequest("Interval: %s checks need an Interval, such as \"10s\"", kind)
		}
	}
	if kind == KindScript && !scriptsAllowed(opts) {
		return badRequest("ScriptArgs: script checks are disabled on this agent. " +
			"Set enable_script_checks to accept them from any source, the agent API included " +
			"(a script check registered over the API is remote code execution: whoever can reach the API runs commands on this host), " +
			"or enable_local_script_checks to accept them from config files only")
	}
	return nil
}

func scriptsAllowed(opts ValidateOptions) bool {
	return opts.EnableScriptChecks || (opts.EnableLocalScriptChecks && opts.FromConfigFile)
}

func badRequest(format string, args ...any) error {
	return catalog.BadRequestf(fmt.Sprintf(format, args...))
}
