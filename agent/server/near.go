package server

import (
	"math"
	"sort"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
)

// sortByDistance orders items by the estimated round trip from node from
// to each item's node, as ?near does in Consul: the estimate comes from
// the network coordinates the agents sent. Items on nodes without a
// coordinate go last, keeping their order; the node itself comes first
// (a round trip to oneself is zero, which Vivaldi's heights would
// overstate). When from has no coordinate nothing moves.
func sortByDistance[T any](st *state.Store, from string, items []T, nodeOf func(T) string) error {
	if from == "" || len(items) < 2 {
		return nil
	}
	_, all, err := st.Coordinates(nil)
	if err != nil {
		return err
	}
	coords := make(map[string]*catalog.Coordinate, len(all))
	for _, c := range all {
		coords[strings.ToLower(c.Node)] = c
	}
	origin := coords[strings.ToLower(from)]
	if origin == nil {
		return nil
	}
	dist := make([]float64, len(items))
	for i, it := range items {
		node := strings.ToLower(nodeOf(it))
		switch c := coords[node]; {
		case node == strings.ToLower(from):
			dist[i] = 0
		case c == nil || !c.Coord.IsCompatibleWith(origin.Coord):
			dist[i] = math.Inf(1)
		default:
			dist[i] = origin.Coord.DistanceTo(c.Coord).Seconds()
		}
	}
	sort.Stable(byDistance[T]{items: items, dist: dist})
	return nil
}

type byDistance[T any] struct {
	items []T
	dist  []float64
}

func (b byDistance[T]) Len() int           { return len(b.items) }
func (b byDistance[T]) Less(i, j int) bool { return b.dist[i] < b.dist[j] }
func (b byDistance[T]) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.dist[i], b.dist[j] = b.dist[j], b.dist[i]
}
