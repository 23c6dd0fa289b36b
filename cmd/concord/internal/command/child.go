package command

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// childGrace is how long a child has after SIGTERM before SIGKILL, as
// Consul gives a lock holder's child.
var childGrace = 5 * time.Second

// childCommand builds the process "lock" and "watch" run for their
// arguments: through /bin/sh -c when shell is set (the arguments joined with
// spaces), else the first argument executed directly. The child leads its
// own process group, so a signal reaches the shell's children too: a shell
// running "sleep" only runs its TERM trap once the sleep has ended.
func childCommand(args []string, shell bool) *exec.Cmd {
	var cmd *exec.Cmd
	if shell {
		cmd = exec.Command("/bin/sh", "-c", strings.Join(args, " "))
	} else {
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// signalGroup sends sig to the child's process group, or to the child
// alone when the group is gone.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		cmd.Process.Signal(sig)
	}
}

// stopChild sends SIGTERM to the child's group and SIGKILL after the
// grace unless done (closed when the child has been reaped) closes first.
func stopChild(cmd *exec.Cmd, done <-chan struct{}) {
	signalGroup(cmd, syscall.SIGTERM)
	t := time.NewTimer(childGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		signalGroup(cmd, syscall.SIGKILL)
		<-done
	}
}

// exitCode is a finished child's status as a process exit code: its own
// code, 128+N when signal N ended it, 1 when it never ran.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return 1
}

// interrupts are the signals "lock" and "watch" act on.
var interrupts = []os.Signal{os.Interrupt, syscall.SIGTERM}
