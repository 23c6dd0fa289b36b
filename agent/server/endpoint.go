package server

import (
	"context"
	"fmt"
	"time"
)

// endpoint is one RPC method: how to make its argument value and how to
// run it. Reply values are made by the caller (in process) or by
// serveRPC (over the wire).
type endpoint struct {
	newArgs  func() interface{}
	newReply func() interface{}
	call     func(ctx context.Context, args, reply interface{}) error
}

// handle registers a typed handler; the generic wrapper checks the types
// once, so a mismatched in-process call is an error rather than a panic.
func handle[A any, R any](m map[string]endpoint, method string, fn func(ctx context.Context, args *A, reply *R) error) {
	m[method] = endpoint{
		newArgs:  func() interface{} { return new(A) },
		newReply: func() interface{} { return new(R) },
		call: func(ctx context.Context, args, reply interface{}) error {
			a, ok := args.(*A)
			if !ok {
				return fmt.Errorf("%s: arguments of type %T, want %T", method, args, (*A)(nil))
			}
			r, ok := reply.(*R)
			if !ok {
				return fmt.Errorf("%s: reply of type %T, want %T", method, reply, (*R)(nil))
			}
			return fn(ctx, a, r)
		},
	}
}

// serveRPC answers a call that arrived over the server port.
func (s *Server) serveRPC(ctx context.Context, method string, decode func(interface{}) error) (interface{}, error) {
	ep, ok := s.endpoints[method]
	if !ok {
		return nil, fmt.Errorf("rpc: unknown method %q", method)
	}
	args := ep.newArgs()
	if err := decode(args); err != nil {
		return nil, fmt.Errorf("rpc: decode %s arguments: %w", method, err)
	}
	reply := ep.newReply()
	start := time.Now()
	err := ep.call(ctx, args, reply)
	s.metrics.RPCServed(method, time.Since(start), err)
	if err != nil {
		return nil, err
	}
	return reply, nil
}

// RPC runs method in process: the agent on a server calls this instead of
// going through the network. Forwarding to the leader happens inside.
func (s *Server) RPC(ctx context.Context, method string, args, reply interface{}) error {
	ep, ok := s.endpoints[method]
	if !ok {
		return fmt.Errorf("rpc: unknown method %q", method)
	}
	start := time.Now()
	err := ep.call(ctx, args, reply)
	s.metrics.RPCServed(method, time.Since(start), err)
	return err
}
