package local

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-hclog"
)

// Source says where a registration came from. Config-file entries come
// back from the config at every start; API entries are persisted.
type Source int

const (
	SourceAPI Source = iota
	SourceConfig
)

// RPC is how the state reaches the servers (the agent's RPC).
type RPC interface {
	RPC(ctx context.Context, method string, args, reply interface{}) error
}

// Config is what the state needs to know about its node.
type Config struct {
	NodeName, NodeID, Datacenter string
	Address                      string
	TaggedAddresses, NodeMeta    map[string]string

	// DataDir holds services/ and checks/ for API registrations; empty
	// persists nothing (dev mode).
	DataDir string

	EnableScriptChecks, EnableLocalScriptChecks bool

	// CheckUpdateInterval is the longest an output-only change of a
	// check waits before it is pushed (default 5 min); a status change is
	// pushed at once.
	CheckUpdateInterval time.Duration
	// SyncInterval is the base period of full syncs (default 1 min),
	// scaled up with the pool size.
	SyncInterval time.Duration
	// ReapInterval is how often services whose check has been critical
	// past DeregisterCriticalServiceAfter are removed (default 10 s).
	ReapInterval time.Duration

	Logger hclog.Logger
}

// Tokens are the agent's own ACL tokens, read at each use since an
// operator may change them while the agent runs.
type Tokens interface {
	// AgentToken registers the node itself.
	AgentToken() string
	// UserToken is used for registrations that came without a token
	// (config files, API calls without one).
	UserToken() string
}

// Deps are the state's collaborators.
type Deps struct {
	RPC RPC
	// Tokens may be nil: no tokens.
	Tokens Tokens
	// PoolSize returns the number of agents in the LAN pool, to scale the
	// full-sync period.
	PoolSize func() int
	// CheckRan, when set, is told the status of every result a check
	// runner reports (after its threshold filter), for metrics. It is
	// called from the runners' goroutines and must not block.
	CheckRan func(status string)
}

type serviceEntry struct {
	svc     *catalog.NodeService
	source  Source
	token   string
	inSync  bool
	deleted bool // removed locally; the catalog still has to lose it
}

type checkEntry struct {
	hc      *catalog.HealthCheck
	spec    checks.Spec // zero for maintenance checks
	source  Source
	token   string
	inSync  bool
	deleted bool

	runner   checks.Check
	disabled bool // a script check the agent may not run

	// outputDeferred: the output changed but not the status, and the push
	// waits for deferTimer, at most CheckUpdateInterval after the last push
	// of this check's output.
	outputDeferred bool
	lastOutputPush time.Time
	deferTimer     *time.Timer

	criticalSince time.Time
}

// State is the agent's own node. Safe for concurrent use.
type State struct {
	cfg    Config
	rpc    RPC
	tokens Tokens
	pool   func() int
	// checkRan counts check results for metrics (Deps.CheckRan).
	checkRan func(status string)
	logger   hclog.Logger

	// mu guards everything below.
	mu       sync.Mutex
	nodeSync bool // the catalog's node record matches cfg
	services map[string]*serviceEntry
	checks   map[string]*checkEntry

	triggerCh chan struct{}
	stopCh    chan struct{}
	stopOnce  sync.Once
	wg        sync.WaitGroup
	stopping  sync.WaitGroup // runners being stopped
}

// New returns an empty state; Start loads persisted entries and starts
// anti-entropy.
func New(cfg Config, deps Deps) (*State, error) {
	if cfg.NodeName == "" {
		return nil, errors.New("local: a node name is required")
	}
	if deps.RPC == nil {
		return nil, errors.New("local: an RPC is required")
	}
	if cfg.CheckUpdateInterval <= 0 {
		cfg.CheckUpdateInterval = 5 * time.Minute
	}
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = time.Minute
	}
	if cfg.ReapInterval <= 0 {
		cfg.ReapInterval = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	pool := deps.PoolSize
	if pool == nil {
		pool = func() int { return 1 }
	}
	ran := deps.CheckRan
	if ran == nil {
		ran = func(string) {}
	}
	return &State{
		cfg:       cfg,
		rpc:       deps.RPC,
		tokens:    deps.Tokens,
		pool:      pool,
		checkRan:  ran,
		logger:    cfg.Logger,
		services:  map[string]*serviceEntry{},
		checks:    map[string]*checkEntry{},
		triggerCh: make(chan struct{}, 1),
		stopCh:    make(chan struct{}),
	}, nil
}

// Close stops anti-entropy and every check runner. Registrations stay in
// the catalog (and on disk): the agent is their owner until it leaves.
func (s *State) Close() {
	s.stopOnce.Do(func() { close(s.stopCh) })
	s.wg.Wait()
	s.mu.Lock()
	for _, c := range s.checks {
		s.stopRunnerLocked(c)
	}
	s.mu.Unlock()
	s.stopping.Wait()
}

// trigger wakes the syncer to push what is out of sync.
func (s *State) trigger() {
	select {
	case s.triggerCh <- struct{}{}:
	default:
	}
}

func notFound(kind, id string) error {
	return fmt.Errorf("%w: unknown %s ID %q", catalog.ErrNotFound, kind, id)
}

// AddService registers svc with its checks, replacing a service of the
// same ID. With replaceChecks, the service's checks not in chks go.
func (s *State) AddService(svc *catalog.NodeService, chks []checks.Spec, src Source, token string, replaceChecks bool) error {
	if svc == nil || svc.Service == "" {
		return catalog.BadRequestf("Missing service name")
	}
	own := copyService(svc)
	if own.ID == "" {
		own.ID = own.Service
	}
	if own.Weights == nil {
		own.Weights = &catalog.Weights{Passing: 1, Warning: 1}
	}
	specs := make([]checks.Spec, len(chks))
	for i, spec := range chks {
		spec.ServiceID = own.ID
		if err := s.prepareSpec(&spec, src); err != nil {
			return err
		}
		specs[i] = spec
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.services[own.ID]; ok && !prev.deleted && prev.source == SourceConfig && src == SourceAPI {
		s.logger.Info("service from the config file replaced through the API", "service", own.ID)
	}
	s.services[own.ID] = &serviceEntry{svc: own, source: src, token: token}
	keep := map[string]bool{}
	for _, spec := range specs {
		keep[spec.ID] = true
		if err := s.addCheckLocked(spec, src, token); err != nil {
			return err
		}
	}
	if replaceChecks {
		for id, c := range s.checks {
			if !c.deleted && c.hc.ServiceID == own.ID && !keep[id] && !isMaintenance(id) {
				s.removeCheckLocked(id)
			}
		}
	}
	// A service's checks carry its name and tags.
	s.refreshServiceFieldsLocked(own)
	s.persistServiceLocked(own.ID)
	s.trigger()
	return nil
}

// RemoveService deregisters a service and its checks.
func (s *State) RemoveService(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.services[id]
	if !ok || e.deleted {
		return notFound("service", id)
	}
	s.removeServiceLocked(id)
	s.trigger()
	return nil
}

func (s *State) removeServiceLocked(id string) {
	e := s.services[id]
	e.deleted, e.inSync = true, false
	// The catalog drops a service's checks with it.
	for cid, c := range s.checks {
		if c.hc.ServiceID == id {
			s.stopRunnerLocked(c)
			delete(s.checks, cid)
			s.unpersistCheck(cid)
		}
	}
	s.unpersistService(id)
}

// AddCheck registers one check, replacing a check of the same ID.
func (s *State) AddCheck(spec checks.Spec, src Source, token string) error {
	if err := s.prepareSpec(&spec, src); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.addCheckLocked(spec, src, token); err != nil {
		return err
	}
	s.trigger()
	return nil
}

// prepareSpec fills defaults and validates, before anything changes.
func (s *State) prepareSpec(spec *checks.Spec, src Source) error {
	if spec.ID == "" {
		spec.ID = spec.Name
	}
	if spec.ID == "" {
		return catalog.BadRequestf("Missing check ID or name")
	}
	if spec.Name == "" {
		spec.Name = spec.ID
	}
	spec.Normalize()
	opts := checks.ValidateOptions{
		EnableScriptChecks:      s.cfg.EnableScriptChecks,
		EnableLocalScriptChecks: s.cfg.EnableLocalScriptChecks,
		FromConfigFile:          src == SourceConfig,
	}
	if src == SourceConfig && spec.Kind() == checks.KindScript && !s.scriptChecksAllowed(src) {
		// A config file's script check is registered but not run, so the
		// operator sees why its service is not passing.
		opts.EnableLocalScriptChecks = true
	}
	return spec.Validate(opts)
}

func (s *State) scriptChecksAllowed(src Source) bool {
	return s.cfg.EnableScriptChecks || (src == SourceConfig && s.cfg.EnableLocalScriptChecks)
}

// scriptDisabledOutput is the output of a script check from a config file
// on an agent that does not run script checks.
const scriptDisabledOutput = "Script checks are disabled on this agent, so this check does not run. " +
	"Set enable_local_script_checks = true to run the script checks of its config files " +
	"(enable_script_checks also allows them through the HTTP API, which lets any API client run commands)."

func (s *State) addCheckLocked(spec checks.Spec, src Source, token string) error {
	var svc *catalog.NodeService
	if spec.ServiceID != "" {
		e, ok := s.services[spec.ServiceID]
		if !ok || e.deleted {
			return catalog.BadRequestf(fmt.Sprintf("ServiceID %q does not exist", spec.ServiceID))
		}
		svc = e.svc
	}
	status := spec.Status
	if status == "" {
		status = catalog.HealthCritical
	}
	hc := &catalog.HealthCheck{
		Node:      s.cfg.NodeName,
		CheckID:   spec.ID,
		Name:      spec.Name,
		Status:    status,
		Notes:     spec.Notes,
		ServiceID: spec.ServiceID,
		Type:      spec.Kind(),
	}
	if svc != nil {
		hc.ServiceName, hc.ServiceTags = svc.Service, append([]string(nil), svc.Tags...)
	}
	if prev, ok := s.checks[spec.ID]; ok {
		// A re-registration of the same check keeps the status its runner
		// found, so a reload does not flap it to critical.
		if !prev.deleted && spec.Status == "" && sameDefinition(prev.spec, spec) {
			hc.Status, hc.Output = prev.hc.Status, prev.hc.Output
		}
		s.stopRunnerLocked(prev)
	}
	c := &checkEntry{hc: hc, spec: spec, source: src, token: token}
	if spec.Kind() == checks.KindScript && !s.scriptChecksAllowed(src) {
		c.disabled = true
		hc.Status, hc.Output = catalog.HealthCritical, scriptDisabledOutput
	}
	if hc.Status == catalog.HealthCritical {
		c.criticalSince = time.Now()
	}
	s.checks[spec.ID] = c
	if err := s.startRunnerLocked(c); err != nil {
		delete(s.checks, spec.ID)
		return err
	}
	s.persistCheckLocked(spec.ID)
	return nil
}

// RemoveCheck deregisters one check.
func (s *State) RemoveCheck(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.checks[id]
	if !ok || c.deleted {
		return notFound("check", id)
	}
	s.removeCheckLocked(id)
	s.trigger()
	return nil
}

func (s *State) removeCheckLocked(id string) {
	c := s.checks[id]
	s.stopRunnerLocked(c)
	c.deleted, c.inSync = true, false
	s.unpersistCheck(id)
}

// refreshServiceFieldsLocked copies a service's name and tags into its
// checks, as the catalog stores them.
func (s *State) refreshServiceFieldsLocked(svc *catalog.NodeService) {
	for _, c := range s.checks {
		if c.hc.ServiceID == svc.ID && !c.deleted {
			c.hc.ServiceName, c.hc.ServiceTags = svc.Service, append([]string(nil), svc.Tags...)
		}
	}
}

// Services lists the registered services, sorted by ID; the values are
// copies.
func (s *State) Services() []*catalog.NodeService {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*catalog.NodeService, 0, len(s.services))
	for _, e := range s.services {
		if !e.deleted {
			out = append(out, copyService(e.svc))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Checks lists the registered checks, sorted by ID; the values are copies.
func (s *State) Checks() []*catalog.HealthCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*catalog.HealthCheck, 0, len(s.checks))
	for _, c := range s.checks {
		if !c.deleted {
			out = append(out, copyCheck(c.hc))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CheckID < out[j].CheckID })
	return out
}

// ServiceSource reports where a registered service came from.
func (s *State) ServiceSource(id string) (Source, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.services[id]
	if !ok || e.deleted {
		return 0, false
	}
	return e.source, true
}

// CheckSource reports where a registered check came from.
func (s *State) CheckSource(id string) (Source, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.checks[id]
	if !ok || c.deleted {
		return 0, false
	}
	return c.source, true
}

func copyService(svc *catalog.NodeService) *catalog.NodeService {
	c := *svc
	c.Tags = append([]string(nil), svc.Tags...)
	if svc.Meta != nil {
		c.Meta = make(map[string]string, len(svc.Meta))
		for k, v := range svc.Meta {
			c.Meta[k] = v
		}
	}
	if svc.Weights != nil {
		w := *svc.Weights
		c.Weights = &w
	}
	return &c
}

func copyCheck(hc *catalog.HealthCheck) *catalog.HealthCheck {
	c := *hc
	c.ServiceTags = append([]string(nil), hc.ServiceTags...)
	return &c
}
