package checks_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/concord-dev/concord/agent/checks"
)

// An agent turns a definition into a Spec, normalizes and validates it
// with its own settings, and runs it, receiving results through a
// Notifier. The first run comes within one interval.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	spec := checks.Spec{Name: "web", HTTP: srv.URL, Interval: time.Second}
	spec.Normalize()
	if err := spec.Validate(checks.ValidateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	results := make(chan string, 1)
	check, err := checks.New(spec, checks.Deps{
		Notifier: checks.NotifierFunc(func(id, status, output string) {
			select {
			case results <- id + " " + status:
			default:
			}
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	check.Start()
	defer check.Stop()
	fmt.Println(<-results)
	// Output: web passing
}
