package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/serf/coordinate"
)

// coordinateDatacenters serves GET /v1/coordinate/datacenters: every
// known datacenter with its servers' coordinates, from the answering
// server's own view (no ACL, as Consul documents).
func (s *Server) coordinateDatacenters(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var out []*catalog.DatacenterMap
	if err := s.agent.RPC(r.Context(), catalog.MethodCoordinateListDatacenters, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	for _, dc := range out {
		if dc.Coordinates == nil {
			dc.Coordinates = catalog.Coordinates{}
		}
	}
	if out == nil {
		out = []*catalog.DatacenterMap{}
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// coordinateNodes serves GET /v1/coordinate/nodes (blocking; the nodes
// the token may read).
func (s *Server) coordinateNodes(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedCoordinates
	if err := s.agent.RPC(r.Context(), catalog.MethodCoordinateListNodes, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	if out.Coordinates == nil {
		out.Coordinates = catalog.Coordinates{}
	}
	return writeJSON(w, r, http.StatusOK, out.Coordinates)
}

// coordinateNode serves GET /v1/coordinate/node/:node: a list of the
// node's coordinates (one per segment; concord has one), 404 when it has
// none, as Consul answers.
func (s *Server) coordinateNode(w http.ResponseWriter, r *http.Request) error {
	node, err := pathArg(r, "/v1/coordinate/node/", "node name")
	if err != nil {
		return err
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	var out catalog.IndexedCoordinates
	if err := s.agent.RPC(r.Context(), catalog.MethodCoordinateNode, &catalog.NodeRequest{QueryOptions: opts, Node: node}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	if len(out.Coordinates) == 0 {
		writeText(w, http.StatusNotFound, "no coordinate for node "+node)
		return nil
	}
	return writeJSON(w, r, http.StatusOK, out.Coordinates)
}

// coordinateUpdateBody is consul/api's CoordinateEntry.
type coordinateUpdateBody struct {
	Node    string
	Segment string
	Coord   *coordinate.Coordinate
}

// coordinateUpdate serves PUT /v1/coordinate/update: an agent's (or an
// operator's) coordinate for a node, queued on the leader. It needs
// node:write on the node.
func (s *Server) coordinateUpdate(w http.ResponseWriter, r *http.Request) error {
	var body coordinateUpdateBody
	if err := readJSON(w, r, MaxJSONBody, &body); err != nil {
		return err
	}
	if body.Node == "" {
		return badRequest("Missing node name")
	}
	if body.Coord == nil {
		return badRequest("Missing coordinate")
	}
	args := &catalog.CoordinateUpdateRequest{WriteRequest: s.writeRequest(r), Node: body.Node, Segment: body.Segment, Coord: body.Coord}
	if err := s.agent.RPC(r.Context(), catalog.MethodCoordinateUpdate, args, &struct{}{}); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, true)
}
