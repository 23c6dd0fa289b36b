package checks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// scriptWaitDelay bounds how long a script's run waits for its output
// pipes to close once the script was killed (a descendant that escaped
// the process group may hold them).
const scriptWaitDelay = time.Second

// newScriptProbe runs spec.Args without a shell: exit 0 is passing, 1
// warning, anything else critical. Stdout and stderr are captured together,
// up to OutputMaxSize bytes. At the timeout the script's whole process
// group is killed (see killGroup) and the result is critical "Timed out
// (<timeout>) running check".
func newScriptProbe(spec Spec) probe {
	return func(ctx context.Context) (string, string) {
		cmd := exec.CommandContext(ctx, spec.Args[0], spec.Args[1:]...)
		out := &limitedBuffer{max: spec.OutputMaxSize}
		cmd.Stdout, cmd.Stderr = out, out
		cmd.WaitDelay = scriptWaitDelay
		ownGroup(cmd)
		err := cmd.Run()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return catalog.HealthCritical, fmt.Sprintf("Timed out (%s) running check", spec.Timeout)
		}
		var exit *exec.ExitError
		switch {
		case err == nil:
			return catalog.HealthPassing, out.String()
		case errors.As(err, &exit) && exit.ExitCode() == 1:
			return catalog.HealthWarning, out.String()
		case errors.As(err, &exit):
			return catalog.HealthCritical, out.String()
		}
		return catalog.HealthCritical, truncate(fmt.Sprintf("running check: %v", err), spec.OutputMaxSize)
	}
}
