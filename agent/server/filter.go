package server

import (
	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-bexpr"
)

// parseFilter compiles a ?filter expression; an empty one gives a nil
// filter, which keeps everything. A malformed expression is the caller's
// mistake, so it is a bad request carrying the parser's message.
func parseFilter(expr string) (*bexpr.Filter, error) {
	f, err := bexpr.CreateFilter(expr)
	if err != nil {
		return nil, catalog.BadRequestf("Failed to create boolean expression evaluator: " + err.Error())
	}
	return f, nil
}

// applyFilter keeps the items of in (a slice or a map) the filter selects.
// Selectors are the Go field names of the items, which are Consul's JSON
// names (Node.Meta.env, Service.Tags, Checks, ServicePort...). A selector
// that names no field is reported as a bad request, as Consul does.
func applyFilter[T any](f *bexpr.Filter, in T) (T, error) {
	if f == nil {
		return in, nil
	}
	out, err := f.Execute(in)
	if err != nil {
		var zero T
		return zero, catalog.BadRequestf("Failed to apply filter: " + err.Error())
	}
	return out.(T), nil
}
