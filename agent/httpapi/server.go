// Package httpapi serves concord's Consul-compatible HTTP API under /v1/.
//
// Handlers parse and validate the request (answering 400 or 413 before any
// RPC), call the servers through the Agent, and render the reply in the
// JSON shapes github.com/hashicorp/consul/api decodes. Blocking happens on
// the server side: a handler only passes ?index and ?wait along.
package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/concord-dev/concord/catalog"
)

// Defaults for Config fields left zero.
const (
	DefaultWait    = 5 * time.Minute
	DefaultMaxWait = 10 * time.Minute
	// MaxJSONBody bounds every JSON request body except a transaction's.
	MaxJSONBody = 4 << 20
	// DefaultBodyReadTimeout bounds reading a request body.
	DefaultBodyReadTimeout = 30 * time.Second
)

// Config configures the HTTP API.
type Config struct {
	// Datacenter is the local datacenter, used when ?dc= is absent.
	Datacenter string
	// NodeName is the agent's node: the default node of a new session.
	NodeName string
	// MaxKVSize bounds a KV value; zero means catalog.MaxKVSize.
	MaxKVSize int
	// DefaultWait is a blocking query's wait when ?index is given without
	// ?wait; MaxWait caps ?wait. Zero means 5 and 10 minutes.
	DefaultWait, MaxWait time.Duration
	// Logger receives unexpected errors; nil discards them.
	Logger hclog.Logger
	// UI, when set, serves the web UI under /ui/ (package agent/ui), and
	// / and /ui redirect there; when nil those paths answer 404.
	UI http.Handler
	// BodyReadTimeout bounds reading a request's body, from the moment its
	// handler starts; zero means DefaultBodyReadTimeout. Requests without
	// a body, such as blocking GETs, are not bounded by it.
	BodyReadTimeout time.Duration
	// EnableDebug serves net/http/pprof under /debug/pprof/, behind
	// operator:read; when false those paths answer 404.
	EnableDebug bool
	// Metrics records every request and serves /v1/agent/metrics; nil
	// answers that endpoint with 404 and records nothing.
	Metrics Metrics
	// Logs serves /v1/agent/monitor; nil answers it with 404.
	Logs LogStreams
}

// Server is the HTTP API. It implements http.Handler.
type Server struct {
	cfg    Config
	agent  Agent
	logger hclog.Logger
	exact  map[string]*route
	prefix []*route // longest pattern first
	// answers holds rendered health answers by index (answer_cache.go).
	answers *answerCache
	// bodies holds the buffers KV answers are rendered into (kv_json.go).
	bodies bodyBuffers
}

// handlerFunc serves one route. It writes the response itself on success;
// a returned error is rendered by writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one endpoint: an exact path, or a prefix when the pattern ends
// with "/" (the root "/" excepted), and the methods it accepts.
type route struct {
	pattern string
	methods []string
	handle  handlerFunc
}

var (
	methodsGet = []string{http.MethodGet}
	methodsPut = []string{http.MethodPut}
	methodsKV  = []string{http.MethodGet, http.MethodPut, http.MethodDelete}

	methodsDelete = []string{http.MethodDelete}

	methodsSnapshot = []string{http.MethodGet, http.MethodPut}
	methodsGetPut   = methodsSnapshot
	methodsPutPost  = []string{http.MethodPut, http.MethodPost}
	// pprof's symbol lookup takes a POST.
	methodsDebug = []string{http.MethodGet, http.MethodPost}
)

// New builds the HTTP API over agent.
func New(cfg Config, agent Agent) (*Server, error) {
	if agent == nil {
		return nil, errors.New("httpapi: an Agent is required")
	}
	if cfg.Datacenter == "" {
		return nil, errors.New("httpapi: Datacenter is required")
	}
	if cfg.MaxKVSize < 0 || cfg.DefaultWait < 0 || cfg.MaxWait < 0 || cfg.BodyReadTimeout < 0 {
		return nil, errors.New("httpapi: MaxKVSize, DefaultWait, MaxWait and BodyReadTimeout must not be negative")
	}
	if cfg.BodyReadTimeout == 0 {
		cfg.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if cfg.MaxKVSize == 0 {
		cfg.MaxKVSize = catalog.MaxKVSize
	}
	if cfg.DefaultWait == 0 {
		cfg.DefaultWait = DefaultWait
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.DefaultWait > cfg.MaxWait {
		return nil, fmt.Errorf("httpapi: DefaultWait %s exceeds MaxWait %s", cfg.DefaultWait, cfg.MaxWait)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	s := &Server{cfg: cfg, agent: agent, logger: logger.Named("http"), exact: map[string]*route{}, answers: newAnswerCache()}
	for _, rt := range s.routes() {
		rt := rt
		if rt.pattern != "/" && strings.HasSuffix(rt.pattern, "/") {
			s.prefix = append(s.prefix, &rt)
		} else {
			s.exact[rt.pattern] = &rt
		}
	}
	sort.Slice(s.prefix, func(i, j int) bool { return len(s.prefix[i].pattern) > len(s.prefix[j].pattern) })
	return s, nil
}

// routes is the endpoint table.
func (s *Server) routes() []route {
	rs := []route{
		{"/v1/status/leader", methodsGet, s.statusLeader},
		{"/v1/status/peers", methodsGet, s.statusPeers},

		{"/v1/catalog/register", methodsPut, s.catalogRegister},
		{"/v1/catalog/deregister", methodsPut, s.catalogDeregister},
		{"/v1/catalog/datacenters", methodsGet, s.catalogDatacenters},
		{"/v1/catalog/nodes", methodsGet, s.catalogNodes},
		{"/v1/catalog/services", methodsGet, s.catalogServices},
		{"/v1/catalog/service/", methodsGet, s.catalogServiceNodes},
		{"/v1/catalog/node/", methodsGet, s.catalogNodeServices},
		{"/v1/catalog/prometheus-targets", methodsGet, s.prometheusTargets},

		{"/v1/health/service/", methodsGet, s.healthService},
		{"/v1/health/checks/", methodsGet, s.healthServiceChecks},
		{"/v1/health/node/", methodsGet, s.healthNodeChecks},
		{"/v1/health/state/", methodsGet, s.healthState},

		{"/v1/kv/", methodsKV, s.kv},
		{"/v1/txn", methodsPut, s.txn},

		{"/v1/session/create", methodsPut, s.sessionCreate},
		{"/v1/session/destroy/", methodsPut, s.sessionDestroy},
		{"/v1/session/renew/", methodsPut, s.sessionRenew},
		{"/v1/session/info/", methodsGet, s.sessionInfo},
		{"/v1/session/node/", methodsGet, s.sessionNode},
		{"/v1/session/list", methodsGet, s.sessionList},

		{"/v1/agent/self", methodsGet, s.agentSelf},
		{"/v1/agent/members", methodsGet, s.agentMembers},
		{"/v1/agent/join/", methodsPut, s.agentJoin},
		{"/v1/agent/leave", methodsPut, s.agentLeave},
		{"/v1/agent/force-leave/", methodsPut, s.agentForceLeave},
		{"/v1/agent/reload", methodsPut, s.agentReload},
		{"/v1/agent/maintenance", methodsPut, s.agentNodeMaintenance},
		{"/v1/agent/metrics", methodsGet, s.agentMetrics},
		{"/v1/agent/monitor", methodsGet, s.agentMonitor},

		{"/v1/agent/services", methodsGet, s.agentServices},
		{"/v1/agent/service/", methodsGet, s.agentService},
		{"/v1/agent/service/register", methodsPut, s.agentServiceRegister},
		{"/v1/agent/service/deregister/", methodsPut, s.agentServiceDeregister},
		{"/v1/agent/service/maintenance/", methodsPut, s.agentServiceMaintenance},

		{"/v1/agent/checks", methodsGet, s.agentChecks},
		{"/v1/agent/check/register", methodsPut, s.agentCheckRegister},
		{"/v1/agent/check/deregister/", methodsPut, s.agentCheckDeregister},
		{"/v1/agent/check/pass/", methodsPut, s.agentCheckTTL(catalog.HealthPassing)},
		{"/v1/agent/check/warn/", methodsPut, s.agentCheckTTL(catalog.HealthWarning)},
		{"/v1/agent/check/fail/", methodsPut, s.agentCheckTTL(catalog.HealthCritical)},
		{"/v1/agent/check/update/", methodsPut, s.agentCheckUpdate},

		{"/v1/agent/token/", methodsPut, s.agentToken},

		{"/v1/acl/bootstrap", methodsPut, s.aclBootstrap},
		{"/v1/acl/token", methodsPut, s.aclTokenCreate},
		{"/v1/acl/token/self", methodsGet, s.aclTokenSelf},
		{"/v1/acl/token/", methodsKV, s.aclToken},
		{"/v1/acl/tokens", methodsGet, s.aclTokenList},
		{"/v1/acl/policy", methodsPut, s.aclPolicyCreate},
		{"/v1/acl/policy/name/", methodsGet, s.aclPolicyReadByName},
		{"/v1/acl/policy/", methodsKV, s.aclPolicy},
		{"/v1/acl/policies", methodsGet, s.aclPolicyList},
		{"/v1/acl/role", methodsPut, s.aclRoleCreate},
		{"/v1/acl/role/name/", methodsGet, s.aclRoleReadByName},
		{"/v1/acl/role/", methodsKV, s.aclRole},
		{"/v1/acl/roles", methodsGet, s.aclRoleList},
		{"/v1/acl/replication", methodsGet, s.aclReplication},

		{"/v1/operator/raft/configuration", methodsGet, s.operatorRaftConfiguration},
		{"/v1/operator/raft/peer", methodsDelete, s.operatorRaftRemovePeer},
		// consul/api sends POST; Consul's docs show PUT. Both are taken.
		{"/v1/operator/raft/transfer-leader", methodsPutPost, s.operatorRaftTransferLeader},
		{"/v1/operator/autopilot/configuration", methodsGetPut, s.operatorAutopilotConfiguration},
		{"/v1/operator/autopilot/health", methodsGet, s.operatorAutopilotHealth},
		{"/v1/operator/autopilot/state", methodsGet, s.operatorAutopilotState},
		{"/v1/operator/keyring", methodsKeyring, s.operatorKeyring},

		{"/v1/snapshot", methodsSnapshot, s.snapshot},

		{"/v1/coordinate/datacenters", methodsGet, s.coordinateDatacenters},
		{"/v1/coordinate/nodes", methodsGet, s.coordinateNodes},
		{"/v1/coordinate/node/", methodsGet, s.coordinateNode},
		{"/v1/coordinate/update", methodsPut, s.coordinateUpdate},

		{"/v1/query", methodsQueries, s.queries},
		{"/v1/query/", methodsKV, s.query},

		{"/v1/event/fire/", methodsPut, s.eventFire},
		{"/v1/event/list", methodsGet, s.eventList},
	}
	if s.cfg.EnableDebug {
		rs = append(rs, route{"/debug/pprof/", methodsDebug, s.debugPprof})
	}
	return append(rs, s.uiRoutes()...)
}

// lookup finds the route serving path, or nil.
func (s *Server) lookup(path string) *route {
	if rt, ok := s.exact[path]; ok {
		return rt
	}
	for _, rt := range s.prefix {
		if strings.HasPrefix(path, rt.pattern) {
			return rt
		}
	}
	return nil
}

// ServeHTTP routes a request by path, checks its method and runs the
// endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	rt := s.lookup(path)
	if s.cfg.Metrics != nil {
		rec := &statusRecorder{ResponseWriter: w}
		w = rec
		start := time.Now()
		defer func() {
			pattern := "unknown"
			if rt != nil {
				pattern = rt.pattern
			}
			code := rec.code
			if code == 0 {
				code = http.StatusOK
			}
			method := r.Method
			switch method {
			case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead, http.MethodOptions:
			default:
				method = "OTHER" // a client must not mint label values
			}
			s.cfg.Metrics.HTTPServed(method, pattern, code, time.Since(start))
		}()
	}
	if rt == nil {
		writeText(w, http.StatusNotFound, "no such endpoint: "+path)
		return
	}
	if !containsString(rt.methods, r.Method) {
		allow := strings.Join(append(append([]string{}, rt.methods...), http.MethodOptions), ", ")
		w.Header().Set("Allow", allow)
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeText(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s: use %s",
			r.Method, path, strings.Join(rt.methods, " or ")))
		return
	}
	r.Form = r.URL.Query()
	if r.Body != nil && r.Body != http.NoBody {
		s.boundBodyRead(w, r)
	}
	if err := rt.handle(w, r); err != nil {
		s.writeError(w, r, err)
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
