package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// fakePrimary answers a secondary's questions about tokens: the one
// identity it knows, or err while it is set.
type fakePrimary struct {
	mu    sync.Mutex
	err   error
	hold  chan struct{} // while set, questions wait for it to close
	asked atomic.Int32
}

const remoteSecret = "0d5f7f1e-4a51-4b8e-8a8e-2b9d2a4c1f00"

func (f *fakePrimary) ask(_ context.Context, secret string) (*catalog.ACLIdentity, error) {
	f.asked.Add(1)
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		<-hold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if secret != remoteSecret {
		return nil, catalog.ErrACLNotFound
	}
	return &catalog.ACLIdentity{
		Token:    &catalog.ACLToken{AccessorID: "5e0c1a63-0c55-4b5b-9c83-1f3f3f0e3a11"},
		Policies: []*catalog.ACLPolicy{{ID: "p1", Name: "app", Rules: `key_prefix "app/" { policy = "read" }`}},
	}, nil
}

func (f *fakePrimary) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// startSecondary starts a server of dc1 whose primary is dc0, with the
// given down_policy and a short token TTL, asking f instead of dc0.
func startSecondary(t *testing.T, downPolicy string, f *fakePrimary) *Server {
	s, _ := startTestServer(t, 1, &fakeLAN{}, func(c *Config) {
		c.ACLsEnabled = true
		c.PrimaryDatacenter = "dc0"
		c.ACLDownPolicy = downPolicy
		c.ACLTokenTTL = 50 * time.Millisecond
	})
	s.askPrimary = f.ask
	return s
}

func TestRemoteResolutionDownPolicy(t *testing.T) {
	unreachable := errors.New("rpc error: cannot reach datacenter \"dc0\"")
	for _, tc := range []struct {
		policy        string
		cachedWorks   bool // a token seen before keeps its rights
		uncachedAllow bool // a token never seen gets everything
	}{
		{"extend-cache", true, false},
		{"async-cache", true, false},
		{"allow", false, true},
		{"deny", false, false},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			f := &fakePrimary{}
			s := startSecondary(t, tc.policy, f)

			authz, err := s.authorize(remoteSecret)
			if err != nil || !authz.KeyRead("app/x") || authz.KeyWrite("app/x") {
				t.Fatalf("resolved from the primary: %v", err)
			}
			// Within the TTL the cache answers.
			asked := f.asked.Load()
			if _, err := s.authorize(remoteSecret); err != nil || f.asked.Load() != asked {
				t.Fatalf("second resolution asked the primary again (%v)", err)
			}
			// An unknown token is final, whatever the policy.
			if _, err := s.authorize("7b1c2d3e-0000-4000-8000-000000000000"); !errors.Is(err, catalog.ErrACLNotFound) {
				t.Fatalf("unknown token = %v, want ACL not found", err)
			}

			f.fail(unreachable)
			time.Sleep(60 * time.Millisecond) // past the TTL
			if tc.policy == "async-cache" {
				// A stale answer comes at once, while the refresh behind it
				// is still waiting on the primary.
				hold := make(chan struct{})
				f.mu.Lock()
				f.hold = hold
				f.mu.Unlock()
				done := make(chan error, 1)
				go func() {
					a, err := s.authorize(remoteSecret)
					if err == nil && !a.KeyRead("app/x") {
						err = errors.New("stale answer lost its rights")
					}
					done <- err
				}()
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("async-cache waited for the primary")
				}
				waitUntil(t, 5*time.Second, "a background refresh", func() bool { return f.asked.Load() > asked+1 })
				f.mu.Lock()
				f.hold = nil
				f.mu.Unlock()
				close(hold)
			}
			authz, err = s.authorize(remoteSecret)
			if err != nil {
				t.Fatal(err)
			}
			if got := authz.KeyRead("app/x"); got != tc.cachedWorks && !tc.uncachedAllow {
				t.Fatalf("cached token with the primary down: read = %v", got)
			}
			other, err := s.authorize("9a8b7c6d-0000-4000-8000-000000000000")
			if err != nil {
				t.Fatal(err)
			}
			if got := other.KeyRead("app/x"); got != tc.uncachedAllow {
				t.Fatalf("uncached token with the primary down: read = %v, want %v", got, tc.uncachedAllow)
			}
		})
	}
}

// TestRemoteResolutionOneQuestionPerToken: while the primary is slow,
// concurrent requests with the same stale token ask it once and share
// the answer.
func TestRemoteResolutionOneQuestionPerToken(t *testing.T) {
	f := &fakePrimary{}
	s := startSecondary(t, "extend-cache", f)
	if _, err := s.authorize(remoteSecret); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond) // past the TTL
	hold := make(chan struct{})
	f.mu.Lock()
	f.hold = hold
	f.mu.Unlock()
	before := f.asked.Load()
	const n = 10
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			a, err := s.authorize(remoteSecret)
			if err == nil && !a.KeyRead("app/x") {
				err = errors.New("lost its rights")
			}
			errs <- err
		}()
	}
	waitUntil(t, 5*time.Second, "the first question", func() bool { return f.asked.Load() == before+1 })
	time.Sleep(100 * time.Millisecond) // room for wrongly duplicated questions
	if got := f.asked.Load(); got != before+1 {
		t.Fatalf("%d questions in flight for one token, want 1", got-before)
	}
	close(hold)
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a request never got the shared answer")
		}
	}
}
