package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

// Malformed requests to the query and coordinate endpoints are answered
// before any RPC, with the status Consul's clients expect.
func TestQueryAndCoordinateBadInput(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/v1/query", "{", http.StatusBadRequest},
		{"POST", "/v1/query", `{"Name": "a"} {}`, http.StatusBadRequest},
		{"PUT", "/v1/query", `{}`, http.StatusMethodNotAllowed},
		{"PUT", "/v1/query/abc", `{"ID": "other", "Service": {"Service": "web"}}`, http.StatusBadRequest},
		{"GET", "/v1/query/abc/execute?limit=-1", "", http.StatusBadRequest},
		{"GET", "/v1/query/abc/execute?limit=many", "", http.StatusBadRequest},
		{"PUT", "/v1/query/abc/explain", "", http.StatusMethodNotAllowed},
		{"POST", "/v1/query/abc/execute", "", http.StatusMethodNotAllowed},
		{"GET", "/v1/query/abc/other", "", http.StatusNotFound},
		{"GET", "/v1/query/", "", http.StatusBadRequest},
		{"PUT", "/v1/coordinate/update", `{}`, http.StatusBadRequest},
		{"PUT", "/v1/coordinate/update", `{"Node": "n1"}`, http.StatusBadRequest},
		{"PUT", "/v1/coordinate/update", `{"Node": "n1", "Coord": {"Vec": "x"}}`, http.StatusBadRequest},
		{"GET", "/v1/coordinate/update", "", http.StatusMethodNotAllowed},
		{"POST", "/v1/coordinate/nodes", "", http.StatusMethodNotAllowed},
		{"GET", "/v1/coordinate/node/", "", http.StatusBadRequest},
	} {
		resp, body := do(t, ts, tc.method, tc.path, strings.NewReader(tc.body))
		expectStatus(t, resp, body, tc.want)
	}
	for _, m := range []string{catalog.MethodPreparedQueryApply, catalog.MethodPreparedQueryExecute, catalog.MethodCoordinateUpdate} {
		if n := fa.countCalls(m); n != 0 {
			t.Errorf("%s called %d times for bad input", m, n)
		}
	}
}

// ?near=_agent becomes the agent's node name, and a sorted health answer
// is neither taken from nor offered to the rendered-answer cache.
func TestNearAgentResolves(t *testing.T) {
	fa, ts, _ := newTestServer(t, func(c *Config) { c.NodeName = "node1" })
	for i := 0; i < 2; i++ {
		resp, body := do(t, ts, "GET", "/v1/health/service/web?near=_agent", nil)
		expectStatus(t, resp, body, http.StatusOK)
		args := fa.lastCall(catalog.MethodHealthServiceNodes).(*catalog.ServiceRequest)
		if args.Near != "node1" || args.NotModifiedIndex != 0 {
			t.Fatalf("request %d: Near %q NotModifiedIndex %d", i, args.Near, args.NotModifiedIndex)
		}
	}
	resp, body := do(t, ts, "GET", "/v1/catalog/nodes?near=other", nil)
	expectStatus(t, resp, body, http.StatusOK)
	if args := fa.lastCall(catalog.MethodCatalogNodes).(*catalog.DCRequest); args.Near != "other" {
		t.Fatalf("catalog nodes Near %q", args.Near)
	}
}
