package lan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/coordinate"
)

// Network coordinates (Vivaldi, hashicorp/serf/coordinate): every ack to
// one of memberlist's probes carries the acking member's coordinate, and
// the prober feeds the round trip and that coordinate to its own client,
// as serf does. The pool keeps the last coordinate each member sent, so
// the agent (and a WAN pool built on this package) can read them without
// asking the servers.

// coordPayloadVersion heads every ack payload. A payload of another
// version is ignored, so the encoding can change in a later release.
const coordPayloadVersion byte = 1

// coordinates is the pool's Vivaldi state. Its mutex is a leaf: nothing
// is called while it is held.
type coordinates struct {
	client *coordinate.Client

	mu    sync.Mutex
	cache map[string]*coordinate.Coordinate // last coordinate per member
}

func newCoordinates(cfg *coordinate.Config) (*coordinates, error) {
	if cfg == nil {
		cfg = coordinate.DefaultConfig()
	}
	client, err := coordinate.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("lan: coordinate client: %w", err)
	}
	return &coordinates{client: client, cache: map[string]*coordinate.Coordinate{}}, nil
}

// pingDelegate is memberlist's PingDelegate. memberlist calls it from its
// probe goroutines; it must not block.
type pingDelegate struct{ p *Pool }

var _ memberlist.PingDelegate = (*pingDelegate)(nil)

// AckPayload is our coordinate, sent with every ack we give.
func (d *pingDelegate) AckPayload() []byte {
	return encodeCoordinate(d.p.coords.client.GetCoordinate())
}

// NotifyPingComplete updates our coordinate from a probe's round trip and
// the coordinate the peer sent back.
func (d *pingDelegate) NotifyPingComplete(other *memberlist.Node, rtt time.Duration, payload []byte) {
	if len(payload) == 0 || other == nil {
		return
	}
	peer, err := decodeCoordinate(payload)
	if err != nil {
		d.p.logger.Debug("lan: ignoring a bad coordinate in a ping ack", "member", other.Name, "error", err)
		return
	}
	c := d.p.coords
	// Update refuses invalid coordinates, other dimensionalities and
	// round trips beyond its sanity bound; such a sample is dropped.
	if _, err := c.client.Update(other.Name, peer, rtt); err != nil {
		d.p.logger.Debug("lan: coordinate update rejected", "member", other.Name, "rtt", rtt, "error", err)
		return
	}
	c.mu.Lock()
	c.cache[other.Name] = peer
	c.mu.Unlock()
}

// Coordinate is this agent's current network coordinate. ok is false when
// coordinates are disabled for the pool.
func (p *Pool) Coordinate() (c *coordinate.Coordinate, ok bool) {
	if p.coords == nil {
		return nil, false
	}
	return p.coords.client.GetCoordinate(), true
}

// CachedCoordinate is the coordinate member name last sent us in a ping
// ack, and whether there is one.
func (p *Pool) CachedCoordinate(name string) (*coordinate.Coordinate, bool) {
	if p.coords == nil {
		return nil, false
	}
	if name == p.config.NodeName {
		return p.coords.client.GetCoordinate(), true
	}
	p.coords.mu.Lock()
	defer p.coords.mu.Unlock()
	c, ok := p.coords.cache[name]
	if !ok {
		return nil, false
	}
	return c.Clone(), true
}

// forgetCoordinate drops what we know of a member that is gone, so its
// samples do not linger in the latency filter.
func (p *Pool) forgetCoordinate(name string) {
	if p.coords == nil {
		return
	}
	p.coords.client.ForgetNode(name)
	p.coords.mu.Lock()
	delete(p.coords.cache, name)
	p.coords.mu.Unlock()
}

// encodeCoordinate: the version byte, the dimension count (uvarint), the
// vector, then Error, Adjustment and Height, each float64 in big-endian
// IEEE 754 bits.
func encodeCoordinate(c *coordinate.Coordinate) []byte {
	buf := make([]byte, 0, 1+binary.MaxVarintLen16+8*(len(c.Vec)+3))
	buf = append(buf, coordPayloadVersion)
	buf = binary.AppendUvarint(buf, uint64(len(c.Vec)))
	for _, v := range c.Vec {
		buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(v))
	}
	for _, v := range []float64{c.Error, c.Adjustment, c.Height} {
		buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(v))
	}
	return buf
}

// maxCoordDims bounds what a peer may make us allocate.
const maxCoordDims = 64

func decodeCoordinate(buf []byte) (*coordinate.Coordinate, error) {
	if len(buf) == 0 || buf[0] != coordPayloadVersion {
		return nil, errors.New("unknown coordinate payload version")
	}
	buf = buf[1:]
	dims, n := binary.Uvarint(buf)
	if n <= 0 || dims > maxCoordDims {
		return nil, errors.New("bad coordinate dimension count")
	}
	buf = buf[n:]
	if uint64(len(buf)) != 8*(dims+3) {
		return nil, fmt.Errorf("coordinate payload of %d bytes for %d dimensions", len(buf), dims)
	}
	next := func() float64 {
		v := math.Float64frombits(binary.BigEndian.Uint64(buf))
		buf = buf[8:]
		return v
	}
	c := &coordinate.Coordinate{Vec: make([]float64, dims)}
	for i := range c.Vec {
		c.Vec[i] = next()
	}
	c.Error, c.Adjustment, c.Height = next(), next(), next()
	if !c.IsValid() {
		return nil, errors.New("coordinate has NaN or infinite components")
	}
	return c, nil
}
