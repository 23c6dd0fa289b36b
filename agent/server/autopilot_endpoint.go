package server

import (
	"context"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
)

// operatorAutopilotGet answers the replicated autopilot configuration
// (the default until an operator sets one). operator:read.
func (s *Server) operatorAutopilotGet(ctx context.Context, args *catalog.DCRequest, reply *catalog.AutopilotConfig) error {
	return s.route(ctx, catalog.MethodOperatorAutopilotGet, args.Datacenter, args.AllowStale, false, args, reply, func() error {
		if err := s.allowOperator(args.Token, false); err != nil {
			return err
		}
		*reply = s.autopilotConfig()
		return nil
	})
}

// operatorAutopilotSet writes the configuration through Raft, so every
// server (and every later leader) uses it. operator:write.
func (s *Server) operatorAutopilotSet(ctx context.Context, args *catalog.AutopilotSetRequest, reply *bool) error {
	if err := validateAutopilotConfig(&args.Config); err != nil {
		return err
	}
	return s.route(ctx, catalog.MethodOperatorAutopilotSet, args.Datacenter, false, true, args, reply, func() error {
		if err := s.allowOperator(args.Token, true); err != nil {
			return err
		}
		resp, err := s.raftApply(fsm.AutopilotRequestType|fsm.IgnoreUnknownTypeFlag, args)
		if err != nil {
			return err
		}
		ok, _ := resp.(bool)
		*reply = ok
		return nil
	})
}

func validateAutopilotConfig(c *catalog.AutopilotConfig) error {
	switch {
	case c.LastContactThreshold < 0:
		return catalog.BadRequestf("LastContactThreshold must not be negative")
	case c.ServerStabilizationTime < 0:
		return catalog.BadRequestf("ServerStabilizationTime must not be negative")
	}
	return nil
}

// operatorServerHealth answers autopilot's view from the leader, the
// only server that runs it. operator:read.
func (s *Server) operatorServerHealth(ctx context.Context, args *catalog.DCRequest, reply *catalog.AutopilotHealthReply) error {
	return s.route(ctx, catalog.MethodOperatorAutopilotHealth, args.Datacenter, false, false, args, reply, func() error {
		if err := s.allowOperator(args.Token, false); err != nil {
			return err
		}
		*reply = *s.autopilotHealthReply()
		return nil
	})
}
