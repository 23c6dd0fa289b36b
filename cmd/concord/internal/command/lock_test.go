package command

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLockArguments(t *testing.T) {
	expect(t, runCLI(t, nil, "", "lock"), 1, "", "Key prefix and child command must be specified\n")
	expect(t, runCLI(t, nil, "", "lock", "jobs"), 1, "", "Key prefix and child command must be specified\n")
	expect(t, runCLI(t, nil, "", "lock", "-n", "0", "jobs", "true"), 1, "", "Lock holder limit must be positive\n")
	expect(t, runCLI(t, nil, "", "lock", "-monitor-retry", "-1", "jobs", "true"), 1, "",
		"Number of lock monitor retries must be positive\n")
}

// lockAgent fakes the endpoints api.Lock uses for one key: sessions, and
// the lock entry, whose blocking reads wait until the test ends.
type lockAgent struct {
	*fakeAgent
	session string // the holder; "" when free
	exists  bool
}

const lockFlagValue = 0x2ddccbc058a50c18 // api.LockFlagValue

func newLockAgent(t *testing.T, key string) *lockAgent {
	a := &lockAgent{fakeAgent: newFakeAgent(t)}
	// Registered after the server, so it runs first and frees blocked reads.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })

	a.reply("PUT /v1/session/create", 200, `{"ID":"sess-1"}`)
	a.reply("PUT /v1/session/destroy/sess-1", 200, "true")
	a.reply("PUT /v1/session/renew/sess-1", 200, `[{"ID":"sess-1"}]`)
	a.on("GET /v1/kv/"+key, func(w http.ResponseWriter, c call) {
		if strings.Contains(c.Query, "index=") && !strings.Contains(c.Query, "index=0") {
			<-release
		}
		a.mu.Lock()
		sess, exists := a.session, a.exists
		a.mu.Unlock()
		w.Header().Set("X-Consul-Index", "6")
		if !exists {
			w.WriteHeader(404)
			return
		}
		fmt.Fprintf(w, `[{"Key":%q,"Flags":%d,"Session":%q,"LockIndex":1,"ModifyIndex":6}]`, key, uint64(lockFlagValue), sess)
	})
	a.on("PUT /v1/kv/"+key, func(w http.ResponseWriter, c call) {
		a.mu.Lock()
		defer a.mu.Unlock()
		switch {
		case strings.Contains(c.Query, "acquire=sess-1"):
			a.session, a.exists = "sess-1", true
		case strings.Contains(c.Query, "release=sess-1"):
			a.session = ""
		}
		io.WriteString(w, "true")
	})
	a.on("DELETE /v1/kv/"+key, func(w http.ResponseWriter, c call) {
		a.mu.Lock()
		a.exists = false
		a.mu.Unlock()
		io.WriteString(w, "true")
	})
	return a
}

// sawCall waits a little for a request the api package sends from its own
// goroutine (the session destroy after an unlock).
func (a *lockAgent) sawCall(method, path string) bool {
	for i := 0; i < 100; i++ {
		for _, c := range a.requests() {
			if c.Method == method && c.Path == path {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestLockRunsChildAndCleansUp(t *testing.T) {
	a := newLockAgent(t, "jobs/nightly/.lock")
	got := runCLI(t, a.env(), "", "lock", "-name", "nightly", "/jobs/nightly", "echo holding; exit 3")
	expect(t, got, 3, "holding\n", "Error running handler: exit status 3\n")

	if !a.sawCall("PUT", "/v1/session/destroy/sess-1") {
		t.Errorf("the session was not destroyed: %+v", a.requests())
	}
	var acquired, released, deleted bool
	for _, c := range a.requests() {
		switch {
		case c.Method == "PUT" && c.Path == "/v1/session/create":
			if !strings.Contains(c.Body, `"Name":"nightly"`) {
				t.Errorf("session create body %s", c.Body)
			}
		case c.Method == "PUT" && strings.Contains(c.Query, "acquire=sess-1"):
			acquired = true
		case c.Method == "PUT" && strings.Contains(c.Query, "release=sess-1"):
			released = acquired
		case c.Method == "DELETE":
			deleted = released
		}
	}
	if !acquired || !released || !deleted {
		t.Errorf("acquired %v, released %v, deleted %v: %+v", acquired, released, deleted, a.requests())
	}
}

func TestLockVerbose(t *testing.T) {
	a := newLockAgent(t, "jobs/.lock")
	got := runCLI(t, a.env(), "", "lock", "-verbose", "-shell=false", "jobs", "true")
	expect(t, got, 0, "Setting up lock at path: jobs/.lock\n"+
		"Attempting lock acquisition\n"+
		"Starting handler\n"+
		"Child terminated, releasing lock\n"+
		"Lock released\n"+
		"Cleanup succeeded\n", "")
}

func TestLockTimeout(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("PUT /v1/session/create", 200, `{"ID":"sess-1"}`)
	f.reply("PUT /v1/session/destroy/sess-1", 200, "true")
	f.on("GET /v1/kv/jobs/.lock", func(w http.ResponseWriter, c call) {
		// Held by another session for as long as the wait lasts.
		time.Sleep(50 * time.Millisecond)
		w.Header().Set("X-Consul-Index", "6")
		fmt.Fprintf(w, `[{"Key":"jobs/.lock","Flags":%d,"Session":"other","ModifyIndex":6}]`, uint64(lockFlagValue))
	})
	got := runCLI(t, f.env(), "", "lock", "-timeout", "100ms", "jobs", "true")
	expect(t, got, 1, "", "Shutdown triggered or timeout during lock acquisition\n")
}
