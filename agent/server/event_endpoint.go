package server

import (
	"context"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

// EventFirer is the LAN pool's user event sender; the agent's lan.Pool
// has it. Safe for concurrent use.
type EventFirer interface {
	FireUserEvent(ev lan.UserEvent) (lan.UserEvent, error)
}

// eventFire fires a user event into this datacenter's LAN pool, or
// forwards it to the datacenter named. Any server may fire, so it does not
// go to the leader.
func (s *Server) eventFire(ctx context.Context, args *catalog.EventFireRequest, reply *catalog.EventFireReply) error {
	if args.Name == "" || args.ID == "" {
		return catalog.BadRequestf("an event needs a name and an ID")
	}
	return s.route(ctx, catalog.MethodEventFire, args.Datacenter, true, false, args, reply, func() error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if !authz.EventWrite(args.Name) {
			return catalog.ErrPermissionDenied
		}
		if s.events == nil {
			return catalog.BadRequestf("this server cannot fire events")
		}
		ev, err := s.events.FireUserEvent(lan.UserEvent{
			ID: args.ID, Name: args.Name, Payload: args.Payload, Version: args.Version,
			NodeFilter: args.NodeFilter, ServiceFilter: args.ServiceFilter, TagFilter: args.TagFilter,
		})
		if err != nil {
			return err
		}
		reply.LTime = ev.LTime
		return nil
	})
}
