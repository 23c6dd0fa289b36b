package template

import (
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// runCommand runs cmd through /bin/sh -c for at most timeout and logs its
// combined output.
func runCommand(ctx context.Context, logger hclog.Logger, cmd string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.WaitDelay = time.Second // a child keeping the pipe open must not hold us
	out, err := c.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		err = ctx.Err()
	}
	if text := strings.TrimSpace(string(out)); text != "" {
		logger.Info("command output", "command", cmd, "output", text)
	}
	if err != nil {
		logger.Error("command failed", "command", cmd, "error", err)
		return err
	}
	logger.Info("command ran", "command", cmd)
	return nil
}
