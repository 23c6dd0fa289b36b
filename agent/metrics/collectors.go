package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/concord-dev/concord/dnsfront"
	"github.com/concord-dev/concord/lan"
)

// The collectors below read a figure each time Prometheus scrapes, from a
// function the agent hands in, so the packages they read (lan, dnsfront,
// catalog/state, agent/server) know nothing of Prometheus.

// family is one metric family a collector emits.
type family struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
}

func (r *Registry) family(name, help string, kind prometheus.ValueType, labels ...string) family {
	return family{desc: prometheus.NewDesc(Name(r.prefix, name), help, labels, nil), kind: kind}
}

func (f family) emit(ch chan<- prometheus.Metric, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(f.desc, f.kind, v, labels...)
}

// collector adapts a describe list and a collect function.
type collector struct {
	families []family
	collect  func(ch chan<- prometheus.Metric)
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.families {
		ch <- f.desc
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

// RaftCollector reads Raft's own statistics (hashicorp/raft's Stats map)
// through stats, on a server.
func (r *Registry) RaftCollector(stats func() map[string]string) prometheus.Collector {
	isLeader := r.family("server.isLeader", "1 while this server is the Raft leader.", prometheus.GaugeValue)
	lastContact := r.family("raft.leader.lastContact", "Time (ms) since this follower last heard from the leader; 0 on the leader.", prometheus.GaugeValue)
	gauges := map[string]family{
		"term":                r.family("raft.term", "The current Raft term.", prometheus.GaugeValue),
		"commit_index":        r.family("raft.commitIndex", "The last Raft index known committed.", prometheus.GaugeValue),
		"applied_index":       r.family("raft.appliedIndex", "The last Raft index applied to the FSM.", prometheus.GaugeValue),
		"last_log_index":      r.family("raft.lastLogIndex", "The last index in the Raft log.", prometheus.GaugeValue),
		"fsm_pending":         r.family("raft.fsm.pending", "Committed commands waiting for the FSM.", prometheus.GaugeValue),
		"num_peers":           r.family("raft.peers", "Other voters in the Raft configuration.", prometheus.GaugeValue),
		"last_snapshot_index": r.family("raft.snapshot.lastIndex", "The Raft index of the last snapshot.", prometheus.GaugeValue),
	}
	fams := []family{isLeader, lastContact}
	for _, f := range gauges {
		fams = append(fams, f)
	}
	return &collector{families: fams, collect: func(ch chan<- prometheus.Metric) {
		st := stats()
		leader := 0.0
		if st["state"] == "Leader" {
			leader = 1
		}
		isLeader.emit(ch, leader)
		contact := 0.0
		if leader == 0 {
			switch lc := st["last_contact"]; lc {
			case "never", "":
			default:
				if d, err := time.ParseDuration(lc); err == nil {
					contact = ms(d)
				}
			}
		}
		lastContact.emit(ch, contact)
		for key, f := range gauges {
			if v, err := strconv.ParseFloat(st[key], 64); err == nil {
				f.emit(ch, v)
			}
		}
	}}
}

// MemberPool is one gossip pool the members collector counts.
type MemberPool struct {
	Name    string // the network label: "lan" or "wan"
	Members func() []lan.Member
	// Counts and HealthScore feed GossipCollector.
	Counts      func() lan.Counts
	HealthScore func() int
}

// MembersCollector counts gossip members by network and status. One
// collector serves every pool of the agent (a server's LAN and WAN),
// since a family may be registered once.
func (r *Registry) MembersCollector(pools ...MemberPool) prometheus.Collector {
	byStatus := r.family("serf.member.status", "Gossip pool members by network (lan, wan) and status (alive, leaving, left, failed).", prometheus.GaugeValue, "network", "status")
	return &collector{families: []family{byStatus}, collect: func(ch chan<- prometheus.Metric) {
		for _, p := range pools {
			counts := map[string]int{"alive": 0, "leaving": 0, "left": 0, "failed": 0}
			for _, m := range p.Members() {
				counts[m.Status.String()]++
			}
			for status, n := range counts {
				byStatus.emit(ch, float64(n), p.Name, status)
			}
		}
	}}
}

// DNSCollector exposes dnsfront's counters.
func (r *Registry) DNSCollector(snapshot func() dnsfront.Snapshot) prometheus.Collector {
	queries := r.family("dns.queries", "DNS queries by question type.", prometheus.CounterValue, "type")
	responses := r.family("dns.responses", "DNS responses by rcode; queries answered with silence count as \"dropped\".", prometheus.CounterValue, "rcode")
	latency := prometheus.NewDesc(Name(r.prefix, "dns.request_duration_seconds"), "Time to answer a DNS query.", nil, nil)
	c := &collector{families: []family{queries, responses, {desc: latency}}}
	c.collect = func(ch chan<- prometheus.Metric) {
		s := snapshot()
		for t, n := range s.Queries {
			queries.emit(ch, float64(n), t)
		}
		for rc, n := range s.Responses {
			responses.emit(ch, float64(n), rc)
		}
		buckets := map[float64]uint64{}
		var cum uint64
		for i, b := range s.Bounds {
			if i < len(s.Buckets) {
				cum += s.Buckets[i]
			}
			buckets[b.Seconds()] = cum
		}
		ch <- prometheus.MustNewConstHistogram(latency, s.Count, s.Sum.Seconds(), buckets)
	}
	return c
}

// CatalogCollector reports the sizes of the replicated state, on a
// server, read from its local replica.
func (r *Registry) CatalogCollector(usage func() (state.Usage, error)) prometheus.Collector {
	nodes := r.family("state.nodes", "Nodes in the catalog.", prometheus.GaugeValue)
	services := r.family("state.services", "Distinct service names in the catalog.", prometheus.GaugeValue)
	instances := r.family("state.service_instances", "Service instances in the catalog.", prometheus.GaugeValue)
	checks := r.family("state.checks", "Health checks in the catalog by status.", prometheus.GaugeValue, "status")
	kvs := r.family("state.kv_entries", "KV entries.", prometheus.GaugeValue)
	sessions := r.family("state.sessions", "Sessions.", prometheus.GaugeValue)
	tokens := r.family("state.acl_tokens", "ACL tokens.", prometheus.GaugeValue)
	policies := r.family("state.acl_policies", "ACL policies.", prometheus.GaugeValue)
	return &collector{families: []family{nodes, services, instances, checks, kvs, sessions, tokens, policies},
		collect: func(ch chan<- prometheus.Metric) {
			u, err := usage()
			if err != nil {
				return
			}
			nodes.emit(ch, float64(u.Nodes))
			services.emit(ch, float64(u.Services))
			instances.emit(ch, float64(u.ServiceInstances))
			for _, st := range []string{catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical} {
				checks.emit(ch, float64(u.Checks[st]), st)
			}
			kvs.emit(ch, float64(u.KVEntries))
			sessions.emit(ch, float64(u.Sessions))
			tokens.emit(ch, float64(u.ACLTokens))
			policies.emit(ch, float64(u.ACLPolicies))
		}}
}

// LocalCollector reports this agent's own services and checks.
func (r *Registry) LocalCollector(services func() []*catalog.NodeService, checks func() []*catalog.HealthCheck) prometheus.Collector {
	svcs := r.family("agent.services", "Services registered on this agent.", prometheus.GaugeValue)
	byStatus := r.family("health.checks", "This agent's health checks by status.", prometheus.GaugeValue, "status")
	return &collector{families: []family{svcs, byStatus}, collect: func(ch chan<- prometheus.Metric) {
		svcs.emit(ch, float64(len(services())))
		counts := map[string]int{catalog.HealthPassing: 0, catalog.HealthWarning: 0, catalog.HealthCritical: 0}
		for _, c := range checks() {
			counts[c.Status]++
		}
		for st, n := range counts {
			byStatus.emit(ch, float64(n), st)
		}
	}}
}
