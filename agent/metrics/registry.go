package metrics

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// objectives are the quantiles of every summary, as Consul's Prometheus
// sink reports them.
var objectives = map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001}

// Registry is one agent's metrics. Safe for concurrent use.
type Registry struct {
	reg    *prometheus.Registry
	prefix string

	rpcRequest  *prometheus.CounterVec
	rpcError    *prometheus.CounterVec
	rpcCall     *prometheus.SummaryVec
	rpcQuery    prometheus.Counter
	rpcBlocking prometheus.Gauge
	rpcForward  *prometheus.CounterVec
	rpcCrossDC  *prometheus.CounterVec
	clientRPC   prometheus.Counter
	clientFail  prometheus.Counter

	raftApply    prometheus.Counter
	raftCommit   prometheus.Summary
	fsmApply     *prometheus.SummaryVec
	raftLeader   prometheus.Counter
	raftFollower prometheus.Counter
	leaderGone   prometheus.Counter
	applies      map[string]prometheus.Summary
	httpRequest  *prometheus.SummaryVec
	aclResolve   prometheus.Summary
	aclCacheHit  prometheus.Counter
	aclCacheMiss prometheus.Counter
	// aclReplStatus and aclReplIndex: per replicated kind ("policies",
	// "roles", "tokens"), Consul's leader.replication.acl-KIND.status
	// and .index.
	aclReplStatus map[string]prometheus.Gauge
	aclReplIndex  map[string]prometheus.Gauge

	// raftSnapshot times the steps of a Raft snapshot and restore, by
	// Snapshot* step.
	raftSnapshot map[string]prometheus.Summary
	checkRuns    *prometheus.CounterVec

	// memberlist's own figures, fed by the go-metrics router (gossip.go).
	memberlistCounters map[string]*prometheus.CounterVec
	memberlistTimings  map[string]*prometheus.SummaryVec

	// Every HTTP request and RPC records into a labelled child; looking it
	// up by its label values (hashing them, formatting the status code)
	// cost more than the observation, so the children are kept here.
	httpChildren sync.Map // httpLabels -> prometheus.Observer
	rpcChildren  sync.Map // method -> *rpcMethodChildren
}

type httpLabels struct {
	method, path string
	code         int
}

type rpcMethodChildren struct {
	requests prometheus.Counter
	ok       prometheus.Observer
}

// Raft snapshot steps, named as Consul (hashicorp/raft) names their
// timings.
const (
	// SnapshotCreate: opening a new snapshot in the snapshot store.
	SnapshotCreate = "raft.snapshot.create"
	// SnapshotPersist: writing the FSM's state into it.
	SnapshotPersist = "raft.snapshot.persist"
	// FSMSnapshot: the FSM capturing a point-in-time view of its state.
	FSMSnapshot = "raft.fsm.snapshot"
	// FSMRestore: the FSM replacing its state from a snapshot.
	FSMRestore = "raft.fsm.restore"
)

// Apply kinds: the writes whose time from RPC to commit is reported.
const (
	ApplyKVS               = "kvs_apply"
	ApplyTxn               = "txn_apply"
	ApplyCatalogRegister   = "catalog_register"
	ApplyCatalogDeregister = "catalog_deregister"
	ApplySession           = "session_apply"
	ApplyPreparedQuery     = "prepared-query.apply"
)

// Name turns a Consul metric name ("raft.leader.lastContact") into the
// Prometheus name under prefix, as Consul's sink does: dots and dashes
// become underscores.
func Name(prefix, consulName string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(prefix + "." + consulName)
}

// New builds a registry whose names start with prefix, with the Go
// runtime and process collectors registered.
func New(prefix string) (*Registry, error) {
	if prefix == "" {
		return nil, fmt.Errorf("metrics: a prefix is required")
	}
	r := &Registry{reg: prometheus.NewRegistry(), prefix: prefix, applies: map[string]prometheus.Summary{},
		raftSnapshot:       map[string]prometheus.Summary{},
		memberlistCounters: map[string]*prometheus.CounterVec{},
		memberlistTimings:  map[string]*prometheus.SummaryVec{}}
	n := func(name string) string { return Name(prefix, name) }
	summary := func(name, help string) prometheus.Summary {
		return prometheus.NewSummary(prometheus.SummaryOpts{Name: n(name), Help: help, Objectives: objectives})
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: n(name), Help: help})
	}

	r.rpcRequest = prometheus.NewCounterVec(prometheus.CounterOpts{Name: n("rpc.request"),
		Help: "RPC requests this server served, by method."}, []string{"method"})
	r.rpcError = prometheus.NewCounterVec(prometheus.CounterOpts{Name: n("rpc.request_error"),
		Help: "RPC requests this server answered with an error, by method."}, []string{"method"})
	r.rpcCall = prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: n("rpc.server.call"),
		Help: "Time (ms) this server took to answer an RPC, by method and outcome.", Objectives: objectives},
		[]string{"method", "errortype"})
	r.rpcQuery = counter("rpc.query", "Blocking queries this server started.")
	r.rpcBlocking = prometheus.NewGauge(prometheus.GaugeOpts{Name: n("rpc.queries_blocking"),
		Help: "Blocking queries this server is waiting on now."})
	r.rpcForward = prometheus.NewCounterVec(prometheus.CounterOpts{Name: n("rpc.forward"),
		Help: "RPCs this server sent on to the Raft leader, by method."}, []string{"method"})
	r.rpcCrossDC = prometheus.NewCounterVec(prometheus.CounterOpts{Name: n("rpc.cross-dc"),
		Help: "RPCs (blocking queries included) this server sent to another datacenter, by datacenter."}, []string{"datacenter"})
	r.clientRPC = counter("client.rpc", "RPCs this client agent made to the servers.")
	r.clientFail = counter("client.rpc.failed", "RPC attempts of this client agent that failed (each retry counts).")
	r.raftApply = counter("raft.apply", "Raft commands this server applied as leader.")
	r.raftCommit = summary("raft.commitTime", "Time (ms) from a leader's Raft apply until the command was committed and applied to its FSM.")
	r.fsmApply = prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: n("raft.fsm.apply"),
		Help: "Time (ms) the FSM took to apply a committed command, by command type.", Objectives: objectives},
		[]string{"type"})
	r.raftLeader = counter("raft.state.leader", "Times this server became the Raft leader.")
	r.raftFollower = counter("raft.state.follower", "Times this server stopped leading or started as a follower.")
	r.leaderGone = counter("raft.leader_gone", "Elections this follower started early because the leader's server port refused connections.")
	for kind, help := range map[string]string{
		ApplyKVS:               "Time (ms) a KV write took from RPC to commit.",
		ApplyTxn:               "Time (ms) a transaction took from RPC to commit.",
		ApplyCatalogRegister:   "Time (ms) a catalog registration took from RPC to commit.",
		ApplyCatalogDeregister: "Time (ms) a catalog deregistration took from RPC to commit.",
		ApplySession:           "Time (ms) a session create or destroy took from RPC to commit.",
		ApplyPreparedQuery:     "Time (ms) a prepared query create, update or delete took from RPC to commit.",
	} {
		r.applies[kind] = summary(kind, help)
	}
	r.httpRequest = prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: n("api.http"),
		Help: "Time (ms) the HTTP API took to answer, by method, route and status code.", Objectives: objectives},
		[]string{"method", "path", "code"})
	r.aclResolve = summary("acl.ResolveToken", "Time (ms) to resolve an ACL token to an authorizer.")
	r.aclCacheHit = counter("acl.token.cache_hit", "ACL token resolutions answered from the cache.")
	r.aclCacheMiss = counter("acl.token.cache_miss", "ACL token resolutions that had to read the token and compile its policies.")

	for step, help := range map[string]string{
		SnapshotCreate:  "Time (ms) to open a new snapshot in the snapshot store.",
		SnapshotPersist: "Time (ms) to write the FSM's state into a new snapshot.",
		FSMSnapshot:     "Time (ms) the FSM took to capture a point-in-time view for a snapshot.",
		FSMRestore:      "Time (ms) the FSM took to restore its state from a snapshot.",
	} {
		r.raftSnapshot[step] = summary(step, help)
	}
	r.checkRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: n("health.check.runs"),
		Help: "Results this agent's health checks reported, by status (after the threshold filter)."}, []string{"status"})
	for _, st := range []string{"passing", "warning", "critical"} {
		r.checkRuns.WithLabelValues(st)
	}
	for key, help := range memberlistCounters {
		r.memberlistCounters[key] = prometheus.NewCounterVec(prometheus.CounterOpts{Name: n(key), Help: help}, []string{"network"})
	}
	for key, help := range memberlistTimings {
		r.memberlistTimings[key] = prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: n(key), Help: help, Objectives: objectives}, []string{"network"})
	}

	r.aclReplStatus = map[string]prometheus.Gauge{}
	r.aclReplIndex = map[string]prometheus.Gauge{}
	for _, kind := range []string{"policies", "roles", "tokens"} {
		r.aclReplStatus[kind] = prometheus.NewGauge(prometheus.GaugeOpts{Name: n("leader.replication.acl-" + kind + ".status"),
			Help: "1 while the last round of ACL " + kind + " replication from the primary datacenter succeeded, 0 after a failure (a secondary's leader)."})
		r.aclReplIndex[kind] = prometheus.NewGauge(prometheus.GaugeOpts{Name: n("leader.replication.acl-" + kind + ".index"),
			Help: "The primary's ACL " + kind + " index last replicated (a secondary's leader)."})
	}

	cs := []prometheus.Collector{r.rpcRequest, r.rpcError, r.rpcCall, r.rpcQuery, r.rpcBlocking,
		r.rpcForward, r.rpcCrossDC, r.clientRPC, r.clientFail,
		r.raftApply, r.raftCommit, r.fsmApply, r.raftLeader, r.raftFollower, r.leaderGone,
		r.httpRequest, r.aclResolve, r.aclCacheHit, r.aclCacheMiss, r.checkRuns,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, s := range r.applies {
		cs = append(cs, s)
	}
	for kind := range r.aclReplStatus {
		cs = append(cs, r.aclReplStatus[kind], r.aclReplIndex[kind])
	}
	for _, s := range r.raftSnapshot {
		cs = append(cs, s)
	}
	for _, c := range r.memberlistCounters {
		cs = append(cs, c)
	}
	for _, s := range r.memberlistTimings {
		cs = append(cs, s)
	}
	for _, c := range cs {
		if err := r.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return r, nil
}

// Prefix is the prefix names start with.
func (r *Registry) Prefix() string { return r.prefix }

// Register adds a collector (those of collectors.go, built by the agent
// once what they read exists).
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// Gatherer reads every family.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// PrometheusHandler serves the text exposition (or protobuf, as the
// scraper negotiates).
func (r *Registry) PrometheusHandler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// RPCServed records one RPC this server answered.
func (r *Registry) RPCServed(method string, took time.Duration, err error) {
	c, ok := r.rpcChildren.Load(method)
	if !ok {
		c, _ = r.rpcChildren.LoadOrStore(method, &rpcMethodChildren{
			requests: r.rpcRequest.WithLabelValues(method),
			ok:       r.rpcCall.WithLabelValues(method, "none"),
		})
	}
	m := c.(*rpcMethodChildren)
	m.requests.Inc()
	if err != nil {
		// Failures are rare: their series appear only once one happens.
		r.rpcError.WithLabelValues(method).Inc()
		r.rpcCall.WithLabelValues(method, "error").Observe(ms(took))
		return
	}
	m.ok.Observe(ms(took))
}

// BlockingQueryStarted counts a blocking query and holds it in the
// in-flight gauge until done is called.
func (r *Registry) BlockingQueryStarted() (done func()) {
	r.rpcQuery.Inc()
	r.rpcBlocking.Inc()
	return r.rpcBlocking.Dec
}

// RaftApplied records one leader Raft apply and its commit time.
func (r *Registry) RaftApplied(took time.Duration) {
	r.raftApply.Inc()
	r.raftCommit.Observe(ms(took))
}

// FSMApplied records the FSM's apply of one committed command.
func (r *Registry) FSMApplied(msgType string, took time.Duration) {
	r.fsmApply.WithLabelValues(msgType).Observe(ms(took))
}

// Applied records a write of kind (Apply*) from RPC to commit. Unknown
// kinds are ignored.
func (r *Registry) Applied(kind string, took time.Duration) {
	if s, ok := r.applies[kind]; ok {
		s.Observe(ms(took))
	}
}

// LeadershipChanged counts a move to leader or to follower.
func (r *Registry) LeadershipChanged(leader bool) {
	if leader {
		r.raftLeader.Inc()
	} else {
		r.raftFollower.Inc()
	}
}

// LeaderGone counts an election started early because the leader's
// server port refused connections.
func (r *Registry) LeaderGone() { r.leaderGone.Inc() }

// ACLResolved records a token resolution and whether the cache answered.
func (r *Registry) ACLResolved(took time.Duration, cacheHit bool) {
	r.aclResolve.Observe(ms(took))
	if cacheHit {
		r.aclCacheHit.Inc()
	} else {
		r.aclCacheMiss.Inc()
	}
}

// ACLReplication records a round of ACL replication of kind.
func (r *Registry) ACLReplication(kind string, ok bool, index uint64) {
	st, ix := r.aclReplStatus[kind], r.aclReplIndex[kind]
	if st == nil {
		return
	}
	if ok {
		st.Set(1)
		ix.Set(float64(index))
	} else {
		st.Set(0)
	}
}

// HTTPServed records one HTTP request by method, route and status code.
// path is the route's pattern, not the request's path, so a key or a
// service name never becomes a label value.
func (r *Registry) HTTPServed(method, path string, code int, took time.Duration) {
	key := httpLabels{method, path, code}
	o, ok := r.httpChildren.Load(key)
	if !ok {
		o, _ = r.httpChildren.LoadOrStore(key, r.httpRequest.WithLabelValues(method, path, fmt.Sprint(code)))
	}
	o.(prometheus.Observer).Observe(ms(took))
}

// RaftSnapshotStep records one step (Snapshot*, FSM*) of a Raft snapshot
// or restore. Unknown steps are ignored.
func (r *Registry) RaftSnapshotStep(step string, took time.Duration) {
	if s, ok := r.raftSnapshot[step]; ok {
		s.Observe(ms(took))
	}
}

// CheckRan counts one result a health check reported.
func (r *Registry) CheckRan(status string) {
	r.checkRuns.WithLabelValues(status).Inc()
}

// RPCForwarded counts a call a follower sent on to the leader.
func (r *Registry) RPCForwarded(method string) {
	r.rpcForward.WithLabelValues(method).Inc()
}

// RPCCrossDC counts a call this server sent to another datacenter.
func (r *Registry) RPCCrossDC(dc string) {
	r.rpcCrossDC.WithLabelValues(dc).Inc()
}

// ClientRPC counts one RPC a client agent made (retries not counted).
func (r *Registry) ClientRPC() { r.clientRPC.Inc() }

// ClientRPCFailed counts one failed attempt of a client agent's RPC.
func (r *Registry) ClientRPCFailed() { r.clientFail.Inc() }
