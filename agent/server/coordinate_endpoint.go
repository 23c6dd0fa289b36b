package server

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/go-memdb"
	"github.com/hashicorp/serf/coordinate"
)

// WANCoordinates supplies /v1/coordinate/datacenters once servers
// federate: every datacenter the WAN pool knows, each with its servers'
// WAN coordinates (members named NODE.DC, as Consul lists them). Without
// one (Deps.WANCoordinates nil) a server lists its own datacenter only,
// with the LAN coordinates its servers sent. Safe for concurrent use.
type WANCoordinates interface {
	DatacenterCoordinates() ([]*catalog.DatacenterMap, error)
}

// Coordinate updates are batched on the leader, as Consul does: every
// agent sends its coordinate every 15 s or more, and one Raft entry per
// update would cost more than the coordinates are worth.
const (
	coordinateBatchSize  = 128 // coordinates per Raft entry
	coordinateMaxBatches = 5   // entries per period; more is refused
)

// coordinateQueue holds the newest coordinate per node until the next
// batch.
type coordinateQueue struct {
	mu      sync.Mutex
	pending map[string]*catalog.Coordinate
}

func newCoordinateQueue() *coordinateQueue {
	return &coordinateQueue{pending: map[string]*catalog.Coordinate{}}
}

// add queues c, replacing an older coordinate of the same node. It
// refuses a new node once the queue holds all the batches one period
// writes, as Consul's rate limit does.
func (q *coordinateQueue) add(c *catalog.Coordinate) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := strings.ToLower(c.Node)
	if _, ok := q.pending[key]; !ok && len(q.pending) >= coordinateBatchSize*coordinateMaxBatches {
		return catalog.ErrRateLimited
	}
	q.pending[key] = c
	return nil
}

// take empties the queue and returns what it held, by node name.
func (q *coordinateQueue) take() catalog.Coordinates {
	q.mu.Lock()
	pending := q.pending
	q.pending = map[string]*catalog.Coordinate{}
	q.mu.Unlock()
	out := make(catalog.Coordinates, 0, len(pending))
	for _, c := range pending {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out
}

// coordinateUpdate queues one agent's coordinate on the leader.
func (s *Server) coordinateUpdate(ctx context.Context, args *catalog.CoordinateUpdateRequest, reply *struct{}) error {
	if args.Node == "" {
		return catalog.BadRequestf("Must provide node")
	}
	if args.Coord == nil {
		return catalog.BadRequestf("Must provide a coordinate")
	}
	if !args.Coord.IsValid() {
		return catalog.BadRequestf("Invalid coordinate: NaN or infinite components")
	}
	if !args.Coord.IsCompatibleWith(coordinate.NewCoordinate(coordinate.DefaultConfig())) {
		return catalog.BadRequestf("Invalid coordinate: dimensionality conflict")
	}
	return s.route(ctx, catalog.MethodCoordinateUpdate, args.Datacenter, false, true, args, reply, func() error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if !authz.NodeWrite(args.Node) {
			return catalog.ErrPermissionDenied
		}
		return s.coordQueue.add(&catalog.Coordinate{Node: args.Node, Segment: args.Segment, Coord: args.Coord.Clone()})
	})
}

// coordinateBatches writes the queued coordinates every period while this
// server leads; a follower's queue stays empty, since updates are routed
// to the leader.
func (s *Server) coordinateBatches() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.CoordinateUpdatePeriod)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-s.shutdownCh:
			return
		}
		all := s.coordQueue.take()
		for len(all) > 0 {
			n := min(len(all), coordinateBatchSize)
			if _, err := s.raftApply(fsm.CoordinateBatchUpdateType, all[:n]); err != nil {
				// Agents send again within their interval; nothing to
				// retry here.
				s.logger.Warn("writing coordinates failed", "count", n, "error", err)
				break
			}
			all = all[n:]
		}
	}
}

func (s *Server) coordinateListNodes(ctx context.Context, args *catalog.DCRequest, reply *catalog.IndexedCoordinates) error {
	return s.read(ctx, catalog.MethodCoordinateListNodes, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		idx, coords, err := st.Coordinates(ws)
		if err != nil {
			return err
		}
		reply.Index = idx
		reply.Coordinates, reply.ResultsFilteredByACLs = keep(coords, func(c *catalog.Coordinate) bool { return authz.NodeRead(c.Node) })
		return nil
	})
}

func (s *Server) coordinateNode(ctx context.Context, args *catalog.NodeRequest, reply *catalog.IndexedCoordinates) error {
	if args.Node == "" {
		return catalog.BadRequestf("Must provide node")
	}
	return s.read(ctx, catalog.MethodCoordinateNode, &args.QueryOptions, args, reply, &reply.QueryMeta, func(ws memdb.WatchSet, st *state.Store) error {
		authz, err := s.authorize(args.Token)
		if err != nil {
			return err
		}
		if !authz.NodeRead(args.Node) {
			return catalog.ErrPermissionDenied
		}
		idx, c, err := st.NodeCoordinate(ws, args.Node)
		if err != nil {
			return err
		}
		reply.Index, reply.Coordinates = idx, nil
		if c != nil {
			reply.Coordinates = catalog.Coordinates{c}
		}
		return nil
	})
}

// coordinateListDatacenters answers from this server's own view, as
// Consul's does from its local WAN pool: no forwarding, no ACL (Consul
// documents none for it).
func (s *Server) coordinateListDatacenters(ctx context.Context, args *catalog.DCRequest, reply *[]*catalog.DatacenterMap) error {
	if s.wanCoords != nil {
		maps, err := s.wanCoords.DatacenterCoordinates()
		if err != nil {
			return err
		}
		*reply = maps
		return nil
	}
	st := s.fsm.State()
	dc := &catalog.DatacenterMap{Datacenter: s.cfg.Datacenter, AreaID: "wan", Coordinates: catalog.Coordinates{}}
	for _, m := range s.lan.Members() {
		srv, ok := lan.ServerFromMember(m)
		if !ok || m.Status != lan.StatusAlive || !strings.EqualFold(srv.Datacenter, s.cfg.Datacenter) {
			continue
		}
		_, c, err := st.NodeCoordinate(nil, m.Name)
		if err != nil {
			return err
		}
		if c != nil {
			dc.Coordinates = append(dc.Coordinates, c)
		}
	}
	sort.Slice(dc.Coordinates, func(i, j int) bool { return dc.Coordinates[i].Node < dc.Coordinates[j].Node })
	*reply = []*catalog.DatacenterMap{dc}
	return nil
}
