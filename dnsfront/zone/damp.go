package zone

import (
	"sort"
	"time"
)

// Damper holds the zone's view of the instances steady: an instance
// enters or leaves the published set only after the catalog has shown it
// in that new state, without interruption, for MinStable. An instance
// whose check flaps faster than that never changes the published set.
// The first observation is published as it is (a new agent serves the
// catalog as it finds it). Not safe for concurrent use.
type Damper struct {
	MinStable time.Duration
	Now       func() time.Time

	started   bool
	published map[string]Instance
	pending   map[string]change
}

// change is an instance seen, since a time, in a state that differs
// from the published one.
type change struct {
	present bool
	since   time.Time
	inst    Instance
}

// Observe takes the instances the catalog holds now and returns the
// published set (sorted) and whether it changed.
func (d *Damper) Observe(current []Instance) ([]Instance, bool) {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	t := now()
	cur := make(map[string]Instance, len(current))
	for _, in := range current {
		cur[in.key()] = in
	}
	changed := false
	if !d.started {
		d.started, d.published, d.pending = true, cur, map[string]change{}
		return d.list(), true
	}
	keys := map[string]bool{}
	for k := range cur {
		keys[k] = true
	}
	for k := range d.published {
		keys[k] = true
	}
	for k := range d.pending {
		keys[k] = true
	}
	for k := range keys {
		in, present := cur[k]
		_, published := d.published[k]
		if present == published {
			delete(d.pending, k) // back to the published state: the clock restarts
			continue
		}
		p, ok := d.pending[k]
		if !ok || p.present != present {
			if !present {
				in = d.published[k]
			}
			p = change{present: present, since: t, inst: in}
			d.pending[k] = p
		}
		if t.Sub(p.since) < d.MinStable {
			continue
		}
		if present {
			d.published[k] = p.inst
		} else {
			delete(d.published, k)
		}
		delete(d.pending, k)
		changed = true
	}
	return d.list(), changed
}

// Pending is how many instances wait for their MinStable.
func (d *Damper) Pending() int { return len(d.pending) }

func (d *Damper) list() []Instance {
	out := make([]Instance, 0, len(d.published))
	for _, in := range d.published {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}
