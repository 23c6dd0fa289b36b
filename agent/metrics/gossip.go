package metrics

import (
	"fmt"
	"sync"

	gometrics "github.com/hashicorp/go-metrics/compat"
	"github.com/prometheus/client_golang/prometheus"
)

// GossipCollector reports each gossip pool's membership event counts
// and memberlist's health score, labelled by network ("lan", and "wan"
// on a server). One collector serves every pool, since a family may be
// registered once.
func (r *Registry) GossipCollector(pools ...MemberPool) prometheus.Collector {
	ev := func(name, help string) family {
		return r.family(name, help, prometheus.CounterValue, "network")
	}
	join := ev("serf.member.join", "Members that joined or came back alive, as this agent saw them.")
	update := ev("serf.member.update", "Members that changed their tags or address.")
	failed := ev("serf.member.failed", "Members this agent saw fail.")
	left := ev("serf.member.left", "Members that left gracefully or were force-left.")
	flap := ev("serf.member.flap", "Members that came back alive within 60 s of failing.")
	score := r.family("memberlist.health.score", "memberlist's awareness score: 0 is healthy; it rises while this agent misses probe acks.", prometheus.GaugeValue, "network")
	return &collector{families: []family{join, update, failed, left, flap, score}, collect: func(ch chan<- prometheus.Metric) {
		for _, p := range pools {
			if p.Counts == nil || p.HealthScore == nil {
				continue
			}
			c := p.Counts()
			join.emit(ch, float64(c.Join), p.Name)
			update.emit(ch, float64(c.Update), p.Name)
			failed.emit(ch, float64(c.Failed), p.Name)
			left.emit(ch, float64(c.Left), p.Name)
			flap.emit(ch, float64(c.Flap), p.Name)
			score.emit(ch, float64(p.HealthScore()), p.Name)
		}
	}}
}

// memberlist reports probes, suspicions and deaths only through the
// process-wide go-metrics sink (github.com/hashicorp/go-metrics, which
// raft uses too). One router is installed as that sink, once per
// process, and hands each call to the registry of the pool that made it,
// found by the routeLabel every pool's memberlist config carries
// (MemberlistLabels). Calls without that label (raft's) are dropped:
// concord times Raft itself. This is the one piece of package-level
// state in concord, forced by go-metrics being global; several agents in
// one test binary still keep their figures apart.
var (
	installRouter sync.Once
	sinkRouter    = &router{byID: map[string]*Registry{}}
)

// routeLabel names the label that carries a registry's routing ID.
const routeLabel = "concord_registry"

// memberlist's counters and timings that become Prometheus families,
// by go-metrics key; Consul exports them as consul.memberlist.*.
var (
	memberlistCounters = map[string]string{
		"memberlist.degraded.probe":   "Probes this agent ran slower because its own health score was degraded.",
		"memberlist.degraded.timeout": "Suspicions that timed out with fewer confirmations than expected.",
		"memberlist.msg.alive":        "Alive messages this agent processed.",
		"memberlist.msg.suspect":      "Suspect messages this agent processed (a member failed a probe).",
		"memberlist.msg.dead":         "Dead messages this agent processed (a member was declared failed).",
	}
	memberlistTimings = map[string]string{
		"memberlist.probeNode":    "Time (ms) of one failure-detection probe of a member.",
		"memberlist.pushPullNode": "Time (ms) of one full state exchange with a member.",
	}
)

type router struct {
	gometrics.BlackholeSink
	mu   sync.RWMutex
	byID map[string]*Registry
}

func (rt *router) find(labels []gometrics.Label) (*Registry, string) {
	var id, network string
	for _, l := range labels {
		switch l.Name {
		case routeLabel:
			id = l.Value
		case "network":
			network = l.Value
		}
	}
	if id == "" {
		return nil, ""
	}
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.byID[id], network
}

func keyName(key []string) string {
	name := ""
	for i, k := range key {
		if i > 0 {
			name += "."
		}
		name += k
	}
	return name
}

func (rt *router) IncrCounterWithLabels(key []string, val float32, labels []gometrics.Label) {
	if r, network := rt.find(labels); r != nil {
		if c, ok := r.memberlistCounters[keyName(key)]; ok {
			c.WithLabelValues(network).Add(float64(val))
		}
	}
}

func (rt *router) AddSampleWithLabels(key []string, val float32, labels []gometrics.Label) {
	if r, network := rt.find(labels); r != nil {
		if s, ok := r.memberlistTimings[keyName(key)]; ok {
			s.WithLabelValues(network).Observe(float64(val))
		}
	}
}

// MemberlistLabels returns the labels to set as a pool's
// memberlist.Config.MetricLabels so that memberlist's own counters land
// in this registry under network (e.g. "lan"). The first call in a
// process installs the router as go-metrics' global sink. Close undoes
// the registration.
func (r *Registry) MemberlistLabels(network string) []gometrics.Label {
	installRouter.Do(func() {
		cfg := gometrics.DefaultConfig("")
		cfg.EnableHostname = false
		cfg.EnableHostnameLabel = false
		cfg.EnableRuntimeMetrics = false
		cfg.EnableServiceLabel = false
		cfg.EnableTypePrefix = false
		// go-metrics returns an error only for sinks it builds itself.
		_, _ = gometrics.NewGlobal(cfg, sinkRouter)
	})
	// The families exist from the start, at zero.
	for _, c := range r.memberlistCounters {
		c.WithLabelValues(network)
	}
	for _, s := range r.memberlistTimings {
		s.WithLabelValues(network)
	}
	id := fmt.Sprintf("%p", r)
	sinkRouter.mu.Lock()
	sinkRouter.byID[id] = r
	sinkRouter.mu.Unlock()
	return []gometrics.Label{{Name: routeLabel, Value: id}, {Name: "network", Value: network}}
}

// Close stops routing memberlist's metrics to this registry.
func (r *Registry) Close() {
	sinkRouter.mu.Lock()
	delete(sinkRouter.byID, fmt.Sprintf("%p", r))
	sinkRouter.mu.Unlock()
}
