package agent_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

func entryNodes(entries []api.ServiceEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Node.Node)
	}
	slices.Sort(out)
	return out
}

// The prepared query API through consul/api, and NAME.query.consul in
// DNS.
func TestPreparedQueryAPIAndDNS(t *testing.T) {
	a, dnsAddr, c := startDNSDev(t, nil)
	httpAddr := a.HTTPAddrs()[0].String()
	register(t, c, "n1", "10.0.0.1", "web", 80, []string{"v1"}, api.HealthPassing)
	register(t, c, "n2", "10.0.0.2", "web", 80, []string{"V2"}, api.HealthPassing)
	register(t, c, "n3", "10.0.0.3", "web", 80, []string{"v1"}, api.HealthCritical)
	register(t, c, "n4", "10.0.0.4", "web", 80, []string{"v1"}, api.HealthWarning)
	pq := c.PreparedQuery()

	if _, _, err := pq.Create(&api.PreparedQueryDefinition{Name: "broken"}, nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("query without a service: %v", err)
	}
	def := &api.PreparedQueryDefinition{Name: "web-q",
		Service: api.ServiceQuery{Service: "web", Tags: []string{"!v2"}, OnlyPassing: true},
		DNS:     api.QueryDNSOptions{TTL: "9s"}}
	id, _, err := pq.Create(def, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := pq.Get(id, nil)
	if err != nil || len(got) != 1 || got[0].Name != "web-q" || got[0].Service.Tags[0] != "!v2" || got[0].DNS.TTL != "9s" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	if _, _, err := pq.Create(&api.PreparedQueryDefinition{Name: "WEB-Q", Service: api.ServiceQuery{Service: "web"}}, nil); err == nil {
		t.Fatal("a second query with the same name (other case) was created")
	}
	// By name and by ID: n3 is critical, n4 warning (OnlyPassing), n2
	// tagged v2 (case-insensitively excluded).
	for _, key := range []string{"web-q", id} {
		res, _, err := pq.Execute(key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if nodes := entryNodes(res.Nodes); len(nodes) != 1 || nodes[0] != "n1" || res.Service != "web" || res.Datacenter != "dc1" || res.DNS.TTL != "9s" || res.Failovers != 0 {
			t.Fatalf("Execute(%s): %+v nodes %v", key, res, nodes)
		}
	}
	m := ask(t, "udp", dnsAddr, "web-q.query.consul", dns.TypeA)
	if got := answers(m); len(got) != 1 || got[0] != "10.0.0.1" || m.Answer[0].Header().Ttl != 9 {
		t.Fatalf("web-q.query.consul A: %v", m)
	}
	if got := answers(ask(t, "tcp", dnsAddr, "web-q.query.dc1.consul", dns.TypeSRV)); len(got) != 1 || got[0] != "80 n1.node.dc1.consul." {
		t.Fatalf("web-q.query.dc1.consul SRV: %v", got)
	}
	if m := ask(t, "udp", dnsAddr, "nope.query.consul", dns.TypeA); m.Rcode != dns.RcodeNameError {
		t.Fatalf("unknown query: rcode %d", m.Rcode)
	}

	def.ID = id
	def.Service.Tags, def.Service.OnlyPassing = nil, false
	if _, err := pq.Update(def, nil); err != nil {
		t.Fatal(err)
	}
	res, _, err := pq.Execute("web-q", nil)
	if err != nil || strings.Join(entryNodes(res.Nodes), ",") != "n1,n2,n4" {
		t.Fatalf("after update: %v, %v", entryNodes(res.Nodes), err)
	}
	resp, err := http.Get("http://" + httpAddr + "/v1/query/web-q/execute?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(body), `"Node":{`) != 1 {
		t.Fatalf("?limit=1: %d %s", resp.StatusCode, body)
	}

	// A template answers every name under its prefix.
	tid, _, err := pq.Create(&api.PreparedQueryDefinition{Name: "geo-",
		Template: api.QueryTemplate{Type: "name_prefix_match", Regexp: "^geo-(.*)$"},
		Service:  api.ServiceQuery{Service: "${match(1)}", OnlyPassing: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err = pq.Execute("geo-web", nil)
	if err != nil || strings.Join(entryNodes(res.Nodes), ",") != "n1,n2" || res.Service != "web" {
		t.Fatalf("template execute: %+v %v, %v", res, entryNodes(res.Nodes), err)
	}
	// consul/api has no Explain; its Raw client reads the endpoint.
	var ex struct{ Query api.PreparedQueryDefinition }
	_, err = c.Raw().Query("/v1/query/geo-web/explain", &ex, nil)
	if err != nil || ex.Query.Service.Service != "web" || ex.Query.ID != tid {
		t.Fatalf("Explain: %+v, %v", ex, err)
	}
	if got := answers(ask(t, "udp", dnsAddr, "geo-web.query.consul", dns.TypeA)); strings.Join(got, ",") != "10.0.0.1,10.0.0.2" {
		t.Fatalf("geo-web.query.consul: %v", got)
	}
	if res, _, err = pq.Execute("geo-nothing", nil); err != nil || len(res.Nodes) != 0 {
		t.Fatalf("template for a service that does not exist: %+v, %v", res, err)
	}

	list, _, err := pq.List(nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %d, %v", len(list), err)
	}
	if _, err := pq.Delete(id, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pq.Get(id, nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Get after delete: %v", err)
	}
	if _, _, err := pq.Execute("web-q", nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Execute after delete: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+httpAddr+"/v1/query/"+tid, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /v1/query/:id: %d", resp.StatusCode)
	}
}

// ACLs: query rules on the name govern writes and reads; execution uses
// the stored token when there is one; stored tokens are hidden from
// non-management readers; coordinates are filtered by node:read.
func TestPreparedQueryAndCoordinateACLs(t *testing.T) {
	root, client := startACLDevWith(t, fastCoordinates)
	register(t, root, "n1", "10.0.0.1", "web", 80, nil, api.HealthPassing)
	reader := tokenWith(t, root, "reader", `service_prefix "" { policy = "read" } node_prefix "" { policy = "read" }`)
	webWriter := client(tokenWith(t, root, "web-queries", `query_prefix "web" { policy = "write" }`))
	anon := client("")

	if _, _, err := webWriter.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db-q", Service: api.ServiceQuery{Service: "db"}}, nil); !isForbidden(err) {
		t.Fatalf("create outside the token's prefix: %v", err)
	}
	withToken, _, err := webWriter.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web-stored", Token: reader,
		Service: api.ServiceQuery{Service: "web"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := webWriter.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "web-caller", Service: api.ServiceQuery{Service: "web"}}, nil); err != nil {
		t.Fatal(err)
	}
	unnamed, _, err := root.PreparedQuery().Create(&api.PreparedQueryDefinition{Service: api.ServiceQuery{Service: "web"}}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// Reading: the name's rule, or the ID itself for an unnamed query.
	if _, _, err := anon.PreparedQuery().Get(withToken, nil); !isForbidden(err) {
		t.Fatalf("anonymous read of a named query: %v", err)
	}
	if got, _, err := anon.PreparedQuery().Get(unnamed, nil); err != nil || len(got) != 1 {
		t.Fatalf("anonymous read of an unnamed query by ID: %+v, %v", got, err)
	}
	if list, _, err := anon.PreparedQuery().List(nil); err != nil || len(list) != 0 {
		t.Fatalf("anonymous list: %d, %v", len(list), err)
	}
	got, _, err := webWriter.PreparedQuery().Get(withToken, nil)
	if err != nil || got[0].Token != "<hidden>" {
		t.Fatalf("a non-management reader sees the stored token: %+v, %v", got, err)
	}
	if got, _, err = root.PreparedQuery().Get(withToken, nil); err != nil || got[0].Token != reader {
		t.Fatalf("management read: %+v, %v", got, err)
	}
	if list, _, err := root.PreparedQuery().List(nil); err != nil || len(list) != 3 {
		t.Fatalf("management list: %d, %v", len(list), err)
	}

	// Executing: the stored token reads the instances; the anonymous
	// caller's own token reads none.
	if res, _, err := anon.PreparedQuery().Execute("web-stored", nil); err != nil || len(res.Nodes) != 1 {
		t.Fatalf("execute with the stored token: %+v, %v", res, err)
	}
	if res, _, err := anon.PreparedQuery().Execute("web-caller", nil); err != nil || len(res.Nodes) != 0 {
		t.Fatalf("execute with the caller's token: %+v, %v", res, err)
	}
	if _, err := anon.PreparedQuery().Delete(withToken, nil); !isForbidden(err) {
		t.Fatalf("anonymous delete: %v", err)
	}

	// Coordinates: node:write to update, node:read to see.
	if _, err := anon.Coordinate().Update(&api.CoordinateEntry{Node: "n1", Coord: zeroCoord()}, nil); !isForbidden(err) {
		t.Fatalf("anonymous coordinate update: %v", err)
	}
	if _, err := root.Coordinate().Update(&api.CoordinateEntry{Node: "n1", Coord: zeroCoord()}, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 30*time.Second, "n1's coordinate", func() error {
		_, _, err := root.Coordinate().Node("n1", nil)
		return err
	})
	if entries, _, err := anon.Coordinate().Nodes(nil); err != nil || len(entries) != 0 {
		t.Fatalf("anonymous coordinate list: %+v, %v", entries, err)
	}
	if _, _, err := anon.Coordinate().Node("n1", nil); !isForbidden(err) {
		t.Fatalf("anonymous coordinate read: %v", err)
	}
	if entries, _, err := client(reader).Coordinate().Nodes(nil); err != nil || len(entries) == 0 {
		t.Fatalf("node:read coordinate list: %+v, %v", entries, err)
	}
}
