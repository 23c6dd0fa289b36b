package agent

import (
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestRaiseFileLimitToHard(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 2 {
		t.Skip("hard limit too low to lower the soft one")
	}
	low := syscall.Rlimit{Cur: orig.Max / 2, Max: orig.Max}
	if low.Cur > 4096 {
		low.Cur = 4096
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	raiseFileLimit(hclog.NewNullLogger())
	var got syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &got)
	if got.Cur != orig.Max {
		t.Fatalf("soft limit %d after raising, want the hard limit %d", got.Cur, orig.Max)
	}
}
