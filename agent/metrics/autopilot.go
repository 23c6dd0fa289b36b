package metrics

import "github.com/prometheus/client_golang/prometheus"

// AutopilotCollector reports the leader's autopilot view under Consul's
// names: autopilot.healthy (1 when every server is healthy) and
// autopilot.failure_tolerance (voters that may fail without losing the
// quorum). read answers ok=false on followers, which then report
// neither, as Consul's followers do not.
func (r *Registry) AutopilotCollector(read func() (healthy bool, failureTolerance int, ok bool)) prometheus.Collector {
	healthy := r.family("autopilot.healthy", "1 when autopilot considers every server healthy, else 0 (leader only).", prometheus.GaugeValue)
	tolerance := r.family("autopilot.failure_tolerance", "Voting servers that could fail without losing the quorum (leader only).", prometheus.GaugeValue)
	return &collector{families: []family{healthy, tolerance}, collect: func(ch chan<- prometheus.Metric) {
		h, ft, ok := read()
		if !ok {
			return
		}
		v := 0.0
		if h {
			v = 1
		}
		healthy.emit(ch, v)
		tolerance.emit(ch, float64(ft))
	}}
}
