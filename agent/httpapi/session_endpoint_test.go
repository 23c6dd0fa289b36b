package httpapi

import (
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestDecodeSessionCreate(t *testing.T) {
	serf := []string{catalog.SerfCheckID}
	cases := []struct {
		name string
		body string
		want catalog.Session
		bad  bool
	}{
		{"empty body", ``, catalog.Session{Node: "me", NodeChecks: serf, LockDelay: 15 * time.Second, Behavior: "release"}, false},
		{"null", `null`, catalog.Session{Node: "me", NodeChecks: serf, LockDelay: 15 * time.Second, Behavior: "release"}, false},
		{"consul/api create", `{"Name":"n","LockDelay":"200ms","TTL":"15.0s","Behavior":"delete"}`,
			catalog.Session{Name: "n", Node: "me", NodeChecks: serf, LockDelay: 200 * time.Millisecond, Behavior: "delete", TTL: "15.0s"}, false},
		{"no checks", `{"NodeChecks":[]}`, catalog.Session{Node: "me", NodeChecks: []string{}, LockDelay: 15 * time.Second, Behavior: "release"}, false},
		{"legacy checks", `{"Checks":["a"],"Node":"other"}`, catalog.Session{Node: "other", NodeChecks: []string{"a"}, LockDelay: 15 * time.Second, Behavior: "release"}, false},
		{"service checks", `{"ServiceChecks":[{"ID":"web","Namespace":""}]}`,
			catalog.Session{Node: "me", ServiceChecks: []catalog.ServiceCheck{{ID: "web"}}, LockDelay: 15 * time.Second, Behavior: "release"}, false},
		{"lock delay in seconds", `{"lock_delay":3}`, catalog.Session{Node: "me", NodeChecks: serf, LockDelay: 3 * time.Second, Behavior: "release"}, false},
		{"lock delay in nanoseconds", `{"LockDelay":5000000}`, catalog.Session{Node: "me", NodeChecks: serf, LockDelay: 5 * time.Millisecond, Behavior: "release"}, false},
		{"bad TTL", `{"TTL":"soon"}`, catalog.Session{}, true},
		{"bad lock delay", `{"LockDelay":"soon"}`, catalog.Session{}, true},
		{"not an object", `[1]`, catalog.Session{}, true},
	}
	for _, tc := range cases {
		got, err := decodeSessionCreate([]byte(tc.body), "me")
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted %+v", tc.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
	}
}
