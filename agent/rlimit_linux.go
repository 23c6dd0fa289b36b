package agent

import (
	"syscall"

	"github.com/hashicorp/go-hclog"
)

// raiseFileLimit lifts the soft limit on open files to the hard limit: an
// agent holds a descriptor per HTTP client, per blocking query's
// connection and per peer, and the common soft default of 1024 runs out
// long before the hard limit does. The Go runtime already does this at
// start-up since Go 1.19; doing it here too keeps the agent's behaviour
// independent of that, and logs the limit the agent runs with. A failure
// is only a warning.
func raiseFileLimit(logger hclog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("cannot read the open file limit", "error", err)
		return
	}
	if lim.Cur >= lim.Max {
		logger.Debug("open file limit", "soft", lim.Cur, "hard", lim.Max)
		return
	}
	before := lim.Cur
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("cannot raise the open file limit", "soft", before, "hard", lim.Max, "error", err)
		return
	}
	logger.Info("raised the open file limit", "from", before, "to", lim.Cur)
}
