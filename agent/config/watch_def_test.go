package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWatchesLoad(t *testing.T) {
	c, _, _, err := loadString(t, "w.json", `{"watches": [
		{"type": "key", "key": "flags/beta", "handler_type": "script", "args": ["/bin/handler", "-v"]},
		{"type": "service", "service": "web", "tag": ["v1"], "passingonly": true, "handler": "echo hi"},
		{"type": "keyprefix", "prefix": "app/", "handler_type": "http",
		 "http_handler_config": {"path": "http://127.0.0.1:9/hook", "method": "PUT",
		  "header": {"X-A": ["1"]}, "timeout": "3s"}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Watches) != 3 {
		t.Fatalf("watches = %+v", c.Watches)
	}
	_, h, err := c.Watches[0].Plan()
	if err != nil || !reflect.DeepEqual(h.Args, []string{"/bin/handler", "-v"}) || h.Shell {
		t.Errorf("script watch: %+v, %v", h, err)
	}
	_, h, err = c.Watches[1].Plan()
	if err != nil || !reflect.DeepEqual(h.Args, []string{"echo hi"}) || !h.Shell {
		t.Errorf("handler watch: %+v, %v", h, err)
	}
	plan, h, err := c.Watches[2].Plan()
	if err != nil || h.HTTP == nil || h.HTTP.Method != "PUT" || h.HTTP.Timeout != 3*time.Second ||
		h.HTTP.Header["X-A"][0] != "1" || plan.Type != "keyprefix" {
		t.Errorf("http watch: %+v, %+v, %v", plan, h.HTTP, err)
	}
	// Plan leaves the definition whole for the next reload.
	if _, ok := c.Watches[2]["http_handler_config"]; !ok {
		t.Error("Plan consumed the definition")
	}
}

func TestWatchesRejected(t *testing.T) {
	for _, tc := range []struct{ watch, want string }{
		{`{"key": "k", "args": ["x"]}`, "Watch type must be specified"},
		{`{"type": "nope", "args": ["x"]}`, "Unsupported watch type: nope"},
		{`{"type": "key", "args": ["x"]}`, "Must specify a single key to watch"},
		{`{"type": "key", "key": "k"}`, "a script handler needs args (or handler)"},
		{`{"type": "key", "key": "k", "args": ["x"], "handler": "y"}`, "only one of handler and args"},
		{`{"type": "key", "key": "k", "args": []}`, "args must be a non-empty list of strings"},
		{`{"type": "key", "key": "k", "handler_type": "http"}`, "requires 'http_handler_config'"},
		{`{"type": "key", "key": "k", "handler_type": "http", "http_handler_config": {"timeout": "1s"}}`, "Requires 'path' to be set"},
		{`{"type": "key", "key": "k", "handler_type": "grpc"}`, `handler_type "grpc" is not one of script or http`},
		{`{"type": "key", "key": "k", "args": ["x"], "colour": "red"}`, "Invalid parameters: [colour]"},
	} {
		_, _, _, err := loadString(t, "w.json", `{"watches": [`+tc.watch+`]}`)
		if err == nil || !strings.Contains(err.Error(), "watches[0]: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.watch, err, tc.want)
		}
	}
}
