package rpc

import (
	"context"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
)

func TestCallDeadlineCoversBlockingWait(t *testing.T) {
	cases := []struct {
		name string
		args interface{}
		min  time.Duration
		max  time.Duration
	}{
		{"write", &catalog.KVRequest{}, callMargin, callMargin},
		{"non-blocking read", &catalog.KeyRequest{}, callMargin, callMargin},
		{"blocking default wait", &catalog.KeyRequest{QueryOptions: catalog.QueryOptions{MinQueryIndex: 5}},
			callMargin + 5*time.Minute, callMargin + 5*time.Minute + 5*time.Minute/16},
		{"blocking capped wait", &catalog.ServiceRequest{QueryOptions: catalog.QueryOptions{MinQueryIndex: 5, MaxQueryTime: time.Hour}},
			callMargin + 10*time.Minute, callMargin + 10*time.Minute + 10*time.Minute/16},
	}
	for _, tc := range cases {
		ctx, cancel := WithCallDeadline(context.Background(), tc.args)
		dl, _ := ctx.Deadline()
		cancel()
		got := time.Until(dl)
		if got < tc.min-time.Second || got > tc.max {
			t.Errorf("%s: deadline in %v, want between %v and %v", tc.name, got, tc.min, tc.max)
		}
	}
}
