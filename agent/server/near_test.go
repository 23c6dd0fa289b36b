package server

import (
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/serf/coordinate"
)

// coordAt is a coordinate x seconds along the first axis, with the
// minimum height.
func coordAt(x float64) *coordinate.Coordinate {
	c := coordinate.NewCoordinate(coordinate.DefaultConfig())
	c.Vec[0] = x
	return c
}

func storeWithCoords(t *testing.T, coords map[string]float64, without ...string) *state.Store {
	t.Helper()
	st, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	idx := uint64(1)
	var batch catalog.Coordinates
	for node, x := range coords {
		batch = append(batch, &catalog.Coordinate{Node: node, Coord: coordAt(x)})
	}
	for _, node := range append(without, keys(coords)...) {
		if err := st.EnsureRegistration(idx, time.Time{}, &catalog.RegisterRequest{Node: node, Address: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		idx++
	}
	if err := st.CoordinateBatchUpdate(idx, batch); err != nil {
		t.Fatal(err)
	}
	return st
}

func keys(m map[string]float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSortByDistance(t *testing.T) {
	// On a line: a at 0, b at 0.010, c at 0.003, d at -0.020; e has no
	// coordinate.
	st := storeWithCoords(t, map[string]float64{"a": 0, "b": 0.010, "c": 0.003, "d": -0.020}, "e")
	names := func(from string, in ...string) []string {
		t.Helper()
		items := append([]string(nil), in...)
		if err := sortByDistance(st, from, items, func(s string) string { return s }); err != nil {
			t.Fatal(err)
		}
		return items
	}
	for _, tc := range []struct {
		from string
		in   []string
		want []string
	}{
		{"a", []string{"e", "d", "b", "c", "a"}, []string{"a", "c", "b", "d", "e"}},
		{"b", []string{"a", "b", "c", "d"}, []string{"b", "c", "a", "d"}},
		// Case does not matter, as node names do not.
		{"D", []string{"a", "b", "c", "d"}, []string{"d", "a", "c", "b"}},
		// Unknown coordinates keep their relative order at the end.
		{"a", []string{"e", "x", "c"}, []string{"c", "e", "x"}},
		// A source without a coordinate, or none, sorts nothing.
		{"e", []string{"b", "a", "c"}, []string{"b", "a", "c"}},
		{"", []string{"b", "a", "c"}, []string{"b", "a", "c"}},
	} {
		if got := names(tc.from, tc.in...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("from %s %v: got %v want %v", tc.from, tc.in, got, tc.want)
		}
	}
}
