package rpc

import (
	"context"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// callMargin is what a call may take beyond the server's own work: the
// hop, a leader forward, a commit.
const callMargin = 30 * time.Second

type queryArgs interface {
	Options() *catalog.QueryOptions
}

// WithCallDeadline bounds a call with a deadline that leaves room for a
// blocking query to wait as long as it asked: every forwarded call gets
// one, and none is cut short while legitimately blocked.
func WithCallDeadline(ctx context.Context, args interface{}) (context.Context, context.CancelFunc) {
	d := callMargin
	if q, ok := args.(queryArgs); ok {
		d += q.Options().BlockingWait()
	}
	return context.WithTimeout(ctx, d)
}
