package checks

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestThreshold(t *testing.T) {
	// Results and reports are written one letter a status: p passing, w
	// warning, c critical; "-" in the reports means nothing was reported.
	cases := []struct {
		name                       string
		passing, warning, critical int
		results, reports           string
	}{
		{"defaults report everything", 0, 0, 0, "pcwcp", "pcwcp"},
		{"one of each is immediate", 1, 1, 1, "pcwcp", "pcwcp"},
		{"successes before passing", 3, 0, 0, "cpppp", "c--pp"},
		{"a failure resets the successes", 2, 0, 0, "pcpcpp", "-c-c-p"},
		{"warning counts as a success", 2, 0, 0, "cpwp", "c-wp"},
		{"failures before critical", 0, 0, 3, "pcccc", "p--cc"},
		{"warning defaults to critical's count", 0, 0, 2, "pccp", "p-cp"},
		{"warning before critical", 0, 1, 3, "pcccc", "pwwcc"},
		{"warning reached first", 0, 2, 4, "pccccc", "p-wwcc"},
		{"a success resets the failures", 0, 0, 2, "cpcpcc", "-p-p-c"},
		{"warning threshold above critical's", 0, 5, 2, "ccc", "-cc"},
	}
	full := map[byte]string{'p': "passing", 'w': "warning", 'c': "critical"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder()
			th := newThreshold(Spec{
				ID:                     "chk",
				SuccessBeforePassing:   c.passing,
				FailuresBeforeWarning:  c.warning,
				FailuresBeforeCritical: c.critical,
			}, rec, hclog.NewNullLogger())
			var got strings.Builder
			for i := 0; i < len(c.results); i++ {
				before := len(rec.all())
				th.report(full[c.results[i]], "out")
				ups := rec.all()
				switch {
				case len(ups) == before:
					got.WriteByte('-')
				case ups[len(ups)-1].id != "chk" || ups[len(ups)-1].output != "out":
					t.Fatalf("reported %+v", ups[len(ups)-1])
				default:
					got.WriteByte(ups[len(ups)-1].status[0])
				}
			}
			if got.String() != c.reports {
				t.Errorf("results %s reported %s, want %s", c.results, got.String(), c.reports)
			}
		})
	}
}
