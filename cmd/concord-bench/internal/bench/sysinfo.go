package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// raiseNoFile makes sure this process may hold need open files, raising
// the soft (and if allowed the hard) RLIMIT_NOFILE.
func raiseNoFile(need uint64) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
	}
	if rl.Cur >= need {
		return nil
	}
	want := rl
	want.Cur = need
	want.Max = max(rl.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return fmt.Errorf("need %d open files (one connection per watcher) but RLIMIT_NOFILE is %d (hard %d) "+
			"and raising it failed: %v; raise it first (ulimit -n %d, as root or in limits.conf) or lower -watchers",
			need, rl.Cur, rl.Max, err, need)
	}
	return nil
}

// readRSS returns VmRSS of process pid in bytes, from /proc/PID/status.
func readRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "VmRSS:") {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, "VmRSS:"))
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("pid %d: unexpected VmRSS line %q", pid, line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("pid %d: %w", pid, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("pid %d: no VmRSS in /proc/%d/status", pid, pid)
}
