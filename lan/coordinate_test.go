package lan

import (
	"reflect"
	"testing"

	"github.com/hashicorp/serf/coordinate"
)

func TestCoordinatePayloadRoundTrip(t *testing.T) {
	c := coordinate.NewCoordinate(coordinate.DefaultConfig())
	for i := range c.Vec {
		c.Vec[i] = float64(i) * 0.001
	}
	c.Error, c.Adjustment, c.Height = 0.5, -0.0002, 0.0001
	got, err := decodeCoordinate(encodeCoordinate(c))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip: got %+v want %+v", got, c)
	}
	for name, buf := range map[string][]byte{
		"empty":            nil,
		"other version":    append([]byte{9}, encodeCoordinate(c)[1:]...),
		"truncated":        encodeCoordinate(c)[:20],
		"too many dims":    {coordPayloadVersion, 200, 1},
		"trailing garbage": append(encodeCoordinate(c), 0),
	} {
		if _, err := decodeCoordinate(buf); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// Pings between two members move both coordinates off the origin and
// leave each member's coordinate in the other's cache.
func TestCoordinatesFromPings(t *testing.T) {
	c := newCluster(t, "a", "b")
	a, b := c.start("a", nil), c.start("b", nil)
	c.join(b, "a")
	origin := coordinate.NewCoordinate(coordinate.DefaultConfig())
	waitFor(t, "coordinates updated from ping acks", func() bool {
		ca, _ := a.Coordinate()
		cb, _ := b.Coordinate()
		_, aSeesB := a.CachedCoordinate("b")
		_, bSeesA := b.CachedCoordinate("a")
		return aSeesB && bSeesA && ca.DistanceTo(origin) != cb.DistanceTo(origin)
	}, nil)

	cfg := c.config("x", nil)
	cfg.DisableCoordinates = true
	cfg.Memberlist.Transport = nil
	cfg.BindPort = 0
	off, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Shutdown()
	if _, ok := off.Coordinate(); ok {
		t.Fatal("a pool with coordinates disabled reported one")
	}
}
