package lan

import "time"

// FlapTimeout is serf's: a member that comes back alive within this long
// of being marked failed counts as a flap.
const FlapTimeout = 60 * time.Second

// Counts are the membership events this pool has emitted since it
// started, the figures behind Consul's serf.member.* counters.
type Counts struct {
	Join, Update, Failed, Left, Reap uint64
	// Flap counts members that came back alive within FlapTimeout of
	// failing: a sign of a lossy network or an overloaded agent.
	Flap uint64
}

// countLocked adds one event of type t to the pool's counts. mu held.
func (p *Pool) countLocked(t EventType) {
	switch t {
	case EventMemberJoin:
		p.counts.Join++
	case EventMemberUpdate:
		p.counts.Update++
	case EventMemberFailed:
		p.counts.Failed++
	case EventMemberLeave:
		p.counts.Left++
	case EventMemberReap:
		p.counts.Reap++
	}
}

// Counts returns the membership events counted so far.
func (p *Pool) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts
}

// HealthScore is memberlist's awareness score: 0 when this agent's own
// probes get their answers in time, higher (up to the awareness
// multiplier) while it misses acks, which slows its probing down.
func (p *Pool) HealthScore() int { return p.ml.GetHealthScore() }
