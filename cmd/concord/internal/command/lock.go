package command

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/consul/api"
)

type lockFlags struct {
	limit, monitorRetry       int
	name                      string
	passStdin, shell, verbose bool
	timeout                   time.Duration
}

func lockSpec() spec {
	return spec{
		synopsis: "Execute a command holding a lock",
		usage: `
Usage: concord lock [options] prefix child...

  Acquires a lock or semaphore at a given path, and invokes a child process
  when successful. The child process can assume the lock is held while it
  executes. If the lock is lost or communication is disrupted the child
  process will be sent a SIGTERM signal and given time to gracefully exit.
  After the grace period expires the process will be hard terminated.

  For Consul agents on Windows, the child process is always hard terminated
  with a SIGKILL, since Windows has no POSIX compatible notion for SIGTERM.

  When -n=1, only a single lock holder or leader exists providing mutual
  exclusion. Setting a higher value switches to a semaphore allowing multiple
  holders to coordinate.

  The prefix provided must have write privileges.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			f := &lockFlags{}
			fs.IntVar(&f.limit, "n", 1, "Optional limit on the number of concurrent "+
				"lock holders. The underlying implementation switches from a lock to "+
				"a semaphore when increased past one. The default value is 1.")
			fs.IntVar(&f.monitorRetry, "monitor-retry", 3, "Number of times to retry "+
				"if the agent returns a 500 error code during monitoring. This is "+
				"useful when the agent is under load. The default value is 3.")
			fs.StringVar(&f.name, "name", "", "Optional name to associate with the "+
				"lock session. If not provided, one is generated based on the child "+
				"command.")
			fs.BoolVar(&f.passStdin, "pass-stdin", false, "Pass stdin to the child "+
				"process.")
			fs.BoolVar(&f.shell, "shell", true, "Use a shell (/bin/sh -c) to run the "+
				"command.")
			fs.DurationVar(&f.timeout, "timeout", 0, "Maximum amount of time to wait "+
				"to acquire the lock, specified as a duration like \"1s\" or \"3h\". "+
				"The default value is 0.")
			fs.BoolVar(&f.verbose, "verbose", false, "Enable verbose (debugging) "+
				"output.")
			h := serverFlags(fs)
			return func(args []string) int { return c.lock(h, f, args) }
		},
	}
}

// holder is what "lock" needs of api.Lock and api.Semaphore alike.
type holder interface {
	// acquire blocks until held (returning the channel closed on loss),
	// stop closes, or the wait times out (nil channel, nil error).
	acquire(stop <-chan struct{}) (<-chan struct{}, error)
	release() error
	// cleanup removes the lock's keys when no one else uses them.
	cleanup() error
}

type mutexHolder struct{ l *api.Lock }

func (m mutexHolder) acquire(stop <-chan struct{}) (<-chan struct{}, error) {
	return m.l.Lock(stop)
}
func (m mutexHolder) release() error { return m.l.Unlock() }
func (m mutexHolder) cleanup() error {
	if err := m.l.Destroy(); err != nil && !errors.Is(err, api.ErrLockInUse) {
		return err
	}
	return nil
}

type semaphoreHolder struct{ s *api.Semaphore }

func (h semaphoreHolder) acquire(stop <-chan struct{}) (<-chan struct{}, error) {
	return h.s.Acquire(stop)
}
func (h semaphoreHolder) release() error { return h.s.Release() }
func (h semaphoreHolder) cleanup() error {
	if err := h.s.Destroy(); err != nil && !errors.Is(err, api.ErrSemaphoreInUse) {
		return err
	}
	return nil
}

func (c *cli) lock(h *httpFlags, f *lockFlags, args []string) int {
	if len(args) < 2 {
		c.errorf("Key prefix and child command must be specified")
		return 1
	}
	prefix := strings.TrimPrefix(args[0], "/")
	script := args[1:]
	if f.limit <= 0 {
		c.errorf("Lock holder limit must be positive")
		return 1
	}
	if f.monitorRetry < 0 {
		c.errorf("Number of lock monitor retries must be positive")
		return 1
	}
	if !f.shell && len(script) == 0 {
		c.errorf("Child command must be specified")
		return 1
	}
	name := f.name
	if name == "" {
		name = fmt.Sprintf("Concord lock for '%s' at '%s'", strings.Join(script, " "), prefix)
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	lk, err := c.newHolder(client, prefix, name, f)
	if err != nil {
		c.errorf("Lock setup failed: %s", err)
		return 1
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, interrupts...)
	defer signal.Stop(sigs)

	// A signal while waiting gives up the wait.
	stop := make(chan struct{})
	waited := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			close(stop)
		case <-waited:
		}
	}()
	c.verbosef(f, "Attempting lock acquisition")
	lost, err := lk.acquire(stop)
	close(waited)
	if lost == nil {
		if err == nil {
			c.errorf("Shutdown triggered or timeout during lock acquisition")
		} else {
			c.errorf("Lock acquisition failed: %s", err)
		}
		return 1
	}
	select {
	case <-stop:
		// Interrupted just as the lock came.
		return c.unlock(f, lk, 1)
	default:
	}

	c.verbosef(f, "Starting handler")
	cmd := childCommand(script, f.shell)
	cmd.Stdout, cmd.Stderr = c.env.Stdout, c.env.Stderr
	if f.passStdin {
		cmd.Stdin = c.env.Stdin
	}
	if err := cmd.Start(); err != nil {
		c.errorf("Error running handler: %s", err)
		return c.unlock(f, lk, 1)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()

	code := 0
	forwarded := false
	for running := true; running; {
		select {
		case <-done:
			code = exitCode(waitErr)
			if waitErr != nil {
				c.errorf("Error running handler: %s", waitErr)
			}
			running = false
		case <-lost:
			c.errorf("Lock lost, killing child")
			stopChild(cmd, done)
			code, running = 1, false
		case s := <-sigs:
			c.verbosef(f, "Forwarding %s to the child", s)
			if sig, ok := s.(syscall.Signal); ok {
				signalGroup(cmd, sig)
			}
			// A child that ignores it is ended after the grace.
			if !forwarded {
				forwarded = true
				go func() {
					select {
					case <-done:
					case <-time.After(childGrace):
						signalGroup(cmd, syscall.SIGKILL)
					}
				}()
			}
		}
	}
	c.verbosef(f, "Child terminated, releasing lock")
	return c.unlock(f, lk, code)
}

// unlock releases and cleans up, keeping code unless either fails.
func (c *cli) unlock(f *lockFlags, lk holder, code int) int {
	if err := lk.release(); err != nil && !errors.Is(err, api.ErrLockNotHeld) && !errors.Is(err, api.ErrSemaphoreNotHeld) {
		c.errorf("Lock release failed: %s", err)
		return 1
	}
	c.verbosef(f, "Lock released")
	if err := lk.cleanup(); err != nil {
		c.errorf("Cleanup failed: %s", err)
		return 1
	}
	c.verbosef(f, "Cleanup succeeded")
	return code
}

// newHolder builds a lock on PREFIX/.lock for one holder, else a
// semaphore on PREFIX, as Consul lays out their keys.
func (c *cli) newHolder(client *api.Client, prefix, name string, f *lockFlags) (holder, error) {
	if f.limit == 1 {
		key := path.Join(prefix, ".lock")
		c.verbosef(f, "Setting up lock at path: %s", key)
		opts := &api.LockOptions{
			Key:            key,
			SessionName:    name,
			MonitorRetries: f.monitorRetry,
		}
		if f.timeout > 0 {
			opts.LockWaitTime, opts.LockTryOnce = f.timeout, true
		}
		l, err := client.LockOpts(opts)
		return mutexHolder{l}, err
	}
	c.verbosef(f, "Setting up semaphore (limit %d) at prefix: %s", f.limit, prefix)
	opts := &api.SemaphoreOptions{
		Prefix:         prefix,
		Limit:          f.limit,
		SessionName:    name,
		MonitorRetries: f.monitorRetry,
	}
	if f.timeout > 0 {
		opts.SemaphoreWaitTime, opts.SemaphoreTryOnce = f.timeout, true
	}
	s, err := client.SemaphoreOpts(opts)
	return semaphoreHolder{s}, err
}

func (c *cli) verbosef(f *lockFlags, format string, a ...interface{}) {
	if f.verbose {
		fmt.Fprintf(c.env.Stdout, format+"\n", a...)
	}
}
