package httpapi

import (
	"net/http"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

var methodsQueries = []string{http.MethodGet, http.MethodPost}

// queries serves /v1/query: GET lists the queries the token may read,
// POST creates one and answers {"ID": ...}.
func (s *Server) queries(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		opts, err := s.queryOptions(r, true)
		if err != nil {
			return err
		}
		var out catalog.IndexedPreparedQueries
		if err := s.agent.RPC(r.Context(), catalog.MethodPreparedQueryList, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
			return err
		}
		setMeta(w, out.QueryMeta, opts)
		return writeJSON(w, r, http.StatusOK, orEmptyQueries(out.Queries))
	}
	args := &catalog.PreparedQueryRequest{WriteRequest: s.writeRequest(r), Op: catalog.PreparedQueryCreate}
	if err := readJSON(w, r, MaxJSONBody, &args.Query); err != nil {
		return err
	}
	var id string
	if err := s.agent.RPC(r.Context(), catalog.MethodPreparedQueryApply, args, &id); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, struct{ ID string }{id})
}

// query serves /v1/query/:id (GET, PUT to update, DELETE) and
// /v1/query/:id-or-name/execute and /explain (GET).
func (s *Server) query(w http.ResponseWriter, r *http.Request) error {
	rest, err := pathArg(r, "/v1/query/", "query ID")
	if err != nil {
		return err
	}
	for _, sub := range []struct {
		suffix string
		serve  func(http.ResponseWriter, *http.Request, string) error
	}{{"/execute", s.queryExecute}, {"/explain", s.queryExplain}} {
		if idOrName, ok := strings.CutSuffix(rest, sub.suffix); ok && idOrName != "" {
			if r.Method != http.MethodGet {
				return &httpError{code: http.StatusMethodNotAllowed, msg: "method " + r.Method + " not allowed on " + r.URL.Path + ": use GET"}
			}
			return sub.serve(w, r, idOrName)
		}
	}
	if strings.Contains(rest, "/") {
		return &httpError{code: http.StatusNotFound, msg: "no such endpoint: " + r.URL.Path}
	}
	switch r.Method {
	case http.MethodGet:
		opts, err := s.queryOptions(r, true)
		if err != nil {
			return err
		}
		var out catalog.IndexedPreparedQueries
		if err := s.agent.RPC(r.Context(), catalog.MethodPreparedQueryGet, &catalog.PreparedQuerySpecificRequest{QueryOptions: opts, QueryID: rest}, &out); err != nil {
			return err
		}
		setMeta(w, out.QueryMeta, opts)
		return writeJSON(w, r, http.StatusOK, orEmptyQueries(out.Queries))
	case http.MethodPut:
		args := &catalog.PreparedQueryRequest{WriteRequest: s.writeRequest(r), Op: catalog.PreparedQueryUpdate}
		if err := readJSON(w, r, MaxJSONBody, &args.Query); err != nil {
			return err
		}
		if args.Query.ID != "" && args.Query.ID != rest {
			return badRequest("The query ID in the body (%s) differs from the one in the path (%s)", args.Query.ID, rest)
		}
		args.Query.ID = rest
		var id string
		return s.agent.RPC(r.Context(), catalog.MethodPreparedQueryApply, args, &id)
	default: // DELETE
		args := &catalog.PreparedQueryRequest{WriteRequest: s.writeRequest(r), Op: catalog.PreparedQueryDelete,
			Query: catalog.PreparedQuery{ID: rest}}
		var id string
		return s.agent.RPC(r.Context(), catalog.MethodPreparedQueryApply, args, &id)
	}
}

// executeRequest builds an execution for idOrName: ?near sorts from a
// node of the datacenter that executes it ("_agent": this agent's name,
// which another datacenter ?dc names sorts from only when it has a node
// so called, as in Consul), ?limit keeps that many.
func (s *Server) executeRequest(r *http.Request, idOrName string) (*catalog.PreparedQueryExecuteRequest, error) {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return nil, err
	}
	limit, _, err := uintParam(params(r), "limit")
	if err != nil {
		return nil, err
	}
	if limit > 1<<20 {
		limit = 1 << 20
	}
	self := catalog.QuerySource{Datacenter: s.cfg.Datacenter, Node: s.cfg.NodeName}
	args := &catalog.PreparedQueryExecuteRequest{QueryOptions: opts, QueryIDOrName: idOrName, Limit: int(limit), Agent: self}
	if opts.Near != "" {
		args.Source = catalog.QuerySource{Datacenter: opts.Datacenter, Node: opts.Near}
		args.Near = ""
	}
	return args, nil
}

// preparedQueryResponseJSON is consul/api's PreparedQueryExecuteResponse.
type preparedQueryResponseJSON struct {
	Service    string
	Nodes      []*serviceEntryJSON
	DNS        catalog.QueryDNSOptions
	Datacenter string
	Failovers  int
}

func (s *Server) queryExecute(w http.ResponseWriter, r *http.Request, idOrName string) error {
	args, err := s.executeRequest(r, idOrName)
	if err != nil {
		return err
	}
	var out catalog.PreparedQueryExecuteResponse
	if err := s.agent.RPC(r.Context(), catalog.MethodPreparedQueryExecute, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, args.QueryOptions)
	return writeJSON(w, r, http.StatusOK, &preparedQueryResponseJSON{
		Service:    out.Service,
		Nodes:      renderServiceEntries(out.Nodes),
		DNS:        out.DNS,
		Datacenter: out.Datacenter,
		Failovers:  out.Failovers,
	})
}

func (s *Server) queryExplain(w http.ResponseWriter, r *http.Request, idOrName string) error {
	args, err := s.executeRequest(r, idOrName)
	if err != nil {
		return err
	}
	var out catalog.PreparedQueryExplainResponse
	if err := s.agent.RPC(r.Context(), catalog.MethodPreparedQueryExplain, args, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, args.QueryOptions)
	return writeJSON(w, r, http.StatusOK, struct{ Query *catalog.PreparedQuery }{&out.Query})
}

func orEmptyQueries(qs []*catalog.PreparedQuery) []*catalog.PreparedQuery {
	if qs == nil {
		return []*catalog.PreparedQuery{}
	}
	return qs
}
