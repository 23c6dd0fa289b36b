package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// healthCheckJSON is a check as consul/api's HealthCheck decodes it.
type healthCheckJSON struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	// Definition holds a check's runner settings once checks run on
	// agents; the catalog keeps none yet, so it is always empty.
	Definition  struct{}
	CreateIndex uint64
	ModifyIndex uint64
}

// serviceEntryJSON is one instance as consul/api's ServiceEntry decodes it.
type serviceEntryJSON struct {
	Node    *nodeJSON
	Service *agentServiceJSON
	Checks  []*healthCheckJSON
}

func renderCheck(hc *catalog.HealthCheck) *healthCheckJSON {
	return &healthCheckJSON{
		Node:        hc.Node,
		CheckID:     hc.CheckID,
		Name:        hc.Name,
		Status:      hc.Status,
		Notes:       hc.Notes,
		Output:      hc.Output,
		ServiceID:   hc.ServiceID,
		ServiceName: hc.ServiceName,
		ServiceTags: orEmptyList(hc.ServiceTags),
		Type:        hc.Type,
		CreateIndex: hc.CreateIndex,
		ModifyIndex: hc.ModifyIndex,
	}
}

func renderChecks(checks catalog.HealthChecks) []*healthCheckJSON {
	out := make([]*healthCheckJSON, 0, len(checks))
	for _, hc := range checks {
		if hc != nil {
			out = append(out, renderCheck(hc))
		}
	}
	return out
}

// pathArg is what follows prefix in the request path, or a 400 naming
// what is missing.
func pathArg(r *http.Request, prefix, what string) (string, error) {
	arg := strings.TrimPrefix(r.URL.Path, prefix)
	if arg == "" {
		return "", badRequest("Missing %s", what)
	}
	return arg, nil
}

// truthyParam reports a flag given as "?name", "?name=true" or "?name=1".
func truthyParam(q url.Values, name string) (bool, error) {
	if !hasParam(q, name) {
		return false, nil
	}
	switch strings.ToLower(q.Get(name)) {
	case "", "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, badRequest("Invalid value for ?%s: %q", name, q.Get(name))
}

// healthService serves GET /v1/health/service/:name: the instances with
// their node and checks, narrowed by ?passing, every ?tag, ?node-meta and
// ?filter.
func (s *Server) healthService(w http.ResponseWriter, r *http.Request) error {
	name, err := pathArg(r, "/v1/health/service/", "service name")
	if err != nil {
		return err
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	q := params(r)
	passing, err := truthyParam(q, "passing")
	if err != nil {
		return err
	}
	args := &catalog.ServiceRequest{
		QueryOptions:    opts,
		ServiceName:     name,
		Tags:            q["tag"],
		NodeMetaFilters: nodeMetaFilter(q),
		PassingOnly:     passing,
	}
	// The compact answer is rendered once per index and key; ?pretty is
	// rendered each time, and so is a ?near answer, whose order follows
	// coordinates that do not move the service's index.
	renderEach := hasParam(q, "pretty") || opts.Near != ""
	var key string
	var held *cachedAnswer
	if !renderEach {
		key = healthServiceKey(args)
		if held = s.answers.get(key); held != nil {
			args.NotModifiedIndex = held.index
		}
	}
	var out catalog.IndexedCheckServiceNodes
	if err := s.agent.RPC(r.Context(), catalog.MethodHealthServiceNodes, args, &out); err != nil {
		return err
	}
	if out.NotModified {
		if held == nil || out.Index != held.index {
			return fmt.Errorf("the server answered not modified at index %d for a request that held none", out.Index)
		}
		setMeta(w, out.QueryMeta, opts)
		return writeJSONBody(w, held.body)
	}
	if renderEach {
		setMeta(w, out.QueryMeta, opts)
		return writeJSON(w, r, http.StatusOK, renderServiceEntries(out.Nodes))
	}
	// Readers woken together by one change all get the full answer; the
	// first to render it spares the others.
	if c := s.answers.get(key); c != nil && c.index == out.Index && out.Index != 0 {
		setMeta(w, out.QueryMeta, opts)
		return writeJSONBody(w, c.body)
	}
	body, err := json.Marshal(renderServiceEntries(out.Nodes))
	if err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	if out.Index != 0 {
		s.answers.put(key, out.Index, body)
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSONBody(w, body)
}

// renderServiceEntries is Health.ServiceNodes' answer as consul/api's
// []*ServiceEntry decodes it.
func renderServiceEntries(nodes catalog.CheckServiceNodes) []*serviceEntryJSON {
	entries := make([]*serviceEntryJSON, 0, len(nodes))
	for _, csn := range nodes {
		if csn == nil || csn.Node == nil || csn.Service == nil {
			continue
		}
		entries = append(entries, &serviceEntryJSON{
			Node:    renderNode(csn.Node),
			Service: renderAgentService(csn.Service),
			Checks:  renderChecks(csn.Checks),
		})
	}
	return entries
}

// healthServiceKey names everything a Health.ServiceNodes answer depends
// on besides the state it reads: two requests with one key and one index
// have the same answer. The token is part of it, since what a token may
// see will narrow the answer.
func healthServiceKey(args *catalog.ServiceRequest) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	field(args.Datacenter)
	field(args.Token)
	field(args.ServiceName)
	field(strconv.FormatBool(args.PassingOnly))
	field(args.Filter)
	field(strconv.Itoa(len(args.Tags)))
	for _, t := range args.Tags {
		field(t)
	}
	meta := make([]string, 0, len(args.NodeMetaFilters))
	for k := range args.NodeMetaFilters {
		meta = append(meta, k)
	}
	sort.Strings(meta)
	field(strconv.Itoa(len(meta)))
	for _, k := range meta {
		field(k)
		field(args.NodeMetaFilters[k])
	}
	return b.String()
}

// writeJSONBody answers 200 with body, a JSON document already rendered.
// With its length known, net/http sends it as is rather than in chunks.
func writeJSONBody(w http.ResponseWriter, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// healthServiceChecks serves GET /v1/health/checks/:service.
func (s *Server) healthServiceChecks(w http.ResponseWriter, r *http.Request) error {
	name, err := pathArg(r, "/v1/health/checks/", "service name")
	if err != nil {
		return err
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	args := &catalog.ServiceRequest{QueryOptions: opts, ServiceName: name, NodeMetaFilters: nodeMetaFilter(params(r))}
	return s.serveChecks(w, r, opts, catalog.MethodHealthServiceChecks, args)
}

// healthNodeChecks serves GET /v1/health/node/:node.
func (s *Server) healthNodeChecks(w http.ResponseWriter, r *http.Request) error {
	node, err := pathArg(r, "/v1/health/node/", "node name")
	if err != nil {
		return err
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	return s.serveChecks(w, r, opts, catalog.MethodHealthNodeChecks, &catalog.NodeRequest{QueryOptions: opts, Node: node})
}

// healthState serves GET /v1/health/state/:state, where state is any,
// passing, warning or critical.
func (s *Server) healthState(w http.ResponseWriter, r *http.Request) error {
	state, err := pathArg(r, "/v1/health/state/", "check state")
	if err != nil {
		return err
	}
	switch state {
	case catalog.HealthAny, catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Invalid check state %q: must be one of any, passing, warning, critical", state)
	}
	opts, err := s.queryOptions(r, true)
	if err != nil {
		return err
	}
	args := &catalog.ChecksInStateRequest{QueryOptions: opts, State: state, NodeMetaFilters: nodeMetaFilter(params(r))}
	return s.serveChecks(w, r, opts, catalog.MethodHealthChecksInState, args)
}

func (s *Server) serveChecks(w http.ResponseWriter, r *http.Request, opts catalog.QueryOptions, method string, args interface{}) error {
	var out catalog.IndexedHealthChecks
	if err := s.agent.RPC(r.Context(), method, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	return writeJSON(w, r, http.StatusOK, renderChecks(out.HealthChecks))
}
