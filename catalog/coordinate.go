package catalog

import "github.com/hashicorp/serf/coordinate"

// Coordinate is a node's network coordinate (Vivaldi, from
// hashicorp/serf/coordinate) as the servers keep it. Segment is always ""
// in concord, which has no network segments; it is kept so the shape is
// Consul's.
type Coordinate struct {
	Node    string
	Segment string
	Coord   *coordinate.Coordinate
}

// Coordinates is a list of node coordinates.
type Coordinates []*Coordinate

// CoordinateUpdateRequest carries one agent's coordinate to the servers.
type CoordinateUpdateRequest struct {
	WriteRequest
	Node    string
	Segment string
	Coord   *coordinate.Coordinate
}

// IndexedCoordinates answers Coordinate.ListNodes and Coordinate.Node.
type IndexedCoordinates struct {
	Coordinates Coordinates
	QueryMeta
}

// DatacenterMap is one datacenter's servers with their coordinates, as
// /v1/coordinate/datacenters lists them. AreaID is "wan" for the WAN
// pool, Consul's name for it.
type DatacenterMap struct {
	Datacenter  string
	AreaID      string
	Coordinates Coordinates
}
