// Package metrics owns the agent's Prometheus registry: the metric
// families named as Consul names them (after telemetry.metrics_prefix),
// the recorders the server and the HTTP API call through the narrow
// interfaces they declare, and the collectors that read Raft, gossip, DNS
// and catalog figures at scrape time. One Registry per agent; nothing is
// registered globally.
package metrics
