package catalog

import "time"

// PreparedQuery is a stored service query (/v1/query), executed by ID or
// name, over HTTP or as NAME.query.consul in DNS. Field names are
// Consul's, which is what consul/api encodes and decodes.
type PreparedQuery struct {
	ID string
	// Name is unique among queries; executing by name finds it. A
	// template's Name is the prefix of the names it answers.
	Name string
	// Session, when set, ties the query's life to a session: the query
	// is deleted when the session ends.
	Session string
	// Token, when set, is the token the query executes with, whatever
	// token the caller presents.
	Token    string
	Template QueryTemplate
	Service  ServiceQuery
	DNS      QueryDNSOptions

	CreateIndex uint64
	ModifyIndex uint64
}

// Template types.
const (
	// QueryTemplateNamePrefixMatch makes a query a template for every
	// name that starts with its Name.
	QueryTemplateNamePrefixMatch = "name_prefix_match"
)

// QueryTemplate makes a query answer a family of names.
type QueryTemplate struct {
	// Type is "" (not a template) or "name_prefix_match".
	Type string
	// Regexp is matched against the executed name; its groups are
	// ${match(N)} in the query's fields.
	Regexp string
	// RemoveEmptyTags drops tags that render to "".
	RemoveEmptyTags bool
}

// IsTemplate reports whether q is a template.
func (q *PreparedQuery) IsTemplate() bool { return q.Template.Type != "" }

// ServiceQuery says which instances a query returns.
type ServiceQuery struct {
	Service  string
	Failover QueryFailoverOptions
	// OnlyPassing drops instances with a warning check; critical ones
	// are always dropped.
	OnlyPassing bool
	// IgnoreCheckIDs are checks whose status does not count.
	IgnoreCheckIDs []string
	// Near sorts by estimated round trip from this node ("_agent": the
	// agent that executes the query).
	Near string
	// Tags must all be present, and "!tag" absent (case-insensitive).
	Tags        []string
	NodeMeta    map[string]string
	ServiceMeta map[string]string
}

// QueryFailoverOptions: where to look when no healthy instance is left in
// the query's own datacenter. NearestN datacenters by estimated round trip
// first, then Datacenters in order.
type QueryFailoverOptions struct {
	NearestN    int
	Datacenters []string
}

// QueryDNSOptions shape DNS answers of the query.
type QueryDNSOptions struct {
	// TTL is a duration string ("10s"); "" uses the agent's service TTL.
	TTL string
}

// Prepared query operations.
const (
	PreparedQueryCreate = "create"
	PreparedQueryUpdate = "update"
	PreparedQueryDelete = "delete"
)

// PreparedQueryRequest creates, updates or deletes a query.
type PreparedQueryRequest struct {
	WriteRequest
	Op    string
	Query PreparedQuery
}

// PreparedQuerySpecificRequest reads one query by ID, or by name or
// template-matched name for Execute and Explain.
type PreparedQuerySpecificRequest struct {
	QueryOptions
	QueryID string
}

// IndexedPreparedQueries answers PreparedQuery.Get and List.
type IndexedPreparedQueries struct {
	Queries []*PreparedQuery
	QueryMeta
}

// QuerySource names the node a query runs for, which ?near=_agent and a
// query's Near "_agent" resolve to.
type QuerySource struct {
	Datacenter string
	Node       string
}

// PreparedQueryExecuteRequest executes a query by ID or name.
type PreparedQueryExecuteRequest struct {
	QueryOptions
	QueryIDOrName string
	// Limit keeps at most this many instances; 0 keeps all.
	Limit int
	// Source sorts by distance from Source.Node (?near); "" uses the
	// query's Near.
	Source QuerySource
	// Agent is the agent the request came through, what "_agent" means.
	Agent QuerySource
}

// PreparedQueryExecuteRemoteRequest runs an already resolved (and
// rendered) query in another datacenter: the query is stored only in its
// own datacenter, so it travels whole.
type PreparedQueryExecuteRemoteRequest struct {
	QueryOptions
	Query PreparedQuery
	Limit int
}

// PreparedQueryExecuteResponse is an execution's answer.
type PreparedQueryExecuteResponse struct {
	Service    string
	Nodes      CheckServiceNodes
	DNS        QueryDNSOptions
	Datacenter string
	// Failovers is how many other datacenters were asked.
	Failovers int
	QueryMeta
}

// PreparedQueryExplainResponse is the query that would run, rendered.
type PreparedQueryExplainResponse struct {
	Query PreparedQuery
	QueryMeta
}

// DNSTTL parses the query's DNS TTL; ok is false when none is set.
func (q *PreparedQuery) DNSTTL() (ttl time.Duration, ok bool, err error) {
	if q.DNS.TTL == "" {
		return 0, false, nil
	}
	ttl, err = time.ParseDuration(q.DNS.TTL)
	return ttl, err == nil, err
}
