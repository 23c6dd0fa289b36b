package server

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

func TestRenderQueryTemplate(t *testing.T) {
	q := &catalog.PreparedQuery{
		ID:   "id",
		Name: "geo-db-",
		Template: catalog.QueryTemplate{Type: catalog.QueryTemplateNamePrefixMatch,
			Regexp: `^geo-db-(.*?)-([^\-]+?)$`, RemoveEmptyTags: true},
		Service: catalog.ServiceQuery{
			Service:     "mysql-${match(1)}",
			Tags:        []string{"${match(2)}", "${match(7)}", "!old", "${name.suffix}"},
			NodeMeta:    map[string]string{"full": "${name.full}"},
			ServiceMeta: map[string]string{"prefix": "${ name.prefix }", "segment": "[${agent.segment}]"},
			Failover:    catalog.QueryFailoverOptions{Datacenters: []string{"dc-${match(2)}"}},
		},
		DNS: catalog.QueryDNSOptions{TTL: "10s"},
	}
	r, err := renderQuery(q, "geo-db-customer-primary")
	if err != nil {
		t.Fatal(err)
	}
	if r.Service.Service != "mysql-customer" {
		t.Errorf("service %q", r.Service.Service)
	}
	if want := []string{"primary", "!old", "customer-primary"}; !reflect.DeepEqual(r.Service.Tags, want) {
		t.Errorf("tags %q want %q (the empty one removed)", r.Service.Tags, want)
	}
	if r.Service.NodeMeta["full"] != "geo-db-customer-primary" || r.Service.ServiceMeta["prefix"] != "geo-db-" || r.Service.ServiceMeta["segment"] != "[]" {
		t.Errorf("meta %v %v", r.Service.NodeMeta, r.Service.ServiceMeta)
	}
	if r.Service.Failover.Datacenters[0] != "dc-primary" {
		t.Errorf("datacenters %v", r.Service.Failover.Datacenters)
	}
	if q.Service.Service != "mysql-${match(1)}" || q.Service.Tags[0] != "${match(2)}" {
		t.Error("rendering changed the stored query")
	}

	// A name the regexp does not match renders the groups empty.
	if r, err = renderQuery(q, "geo-db-x"); err != nil || r.Service.Service != "mysql-" {
		t.Errorf("unmatched name: %q, %v", r.Service.Service, err)
	}
	// Not a template: nothing is rendered.
	plain := &catalog.PreparedQuery{Service: catalog.ServiceQuery{Service: "${name.full}"}}
	if r, _ := renderQuery(plain, "x"); r.Service.Service != "${name.full}" {
		t.Errorf("a plain query was rendered: %q", r.Service.Service)
	}
}

func TestValidatePreparedQuery(t *testing.T) {
	tmpl := catalog.QueryTemplate{Type: catalog.QueryTemplateNamePrefixMatch}
	for name, q := range map[string]catalog.PreparedQuery{
		"no service":          {},
		"negative NearestN":   {Service: catalog.ServiceQuery{Service: "web", Failover: catalog.QueryFailoverOptions{NearestN: -1}}},
		"bad TTL":             {Service: catalog.ServiceQuery{Service: "web"}, DNS: catalog.QueryDNSOptions{TTL: "ten"}},
		"negative TTL":        {Service: catalog.ServiceQuery{Service: "web"}, DNS: catalog.QueryDNSOptions{TTL: "-1s"}},
		"bad template type":   {Service: catalog.ServiceQuery{Service: "web"}, Template: catalog.QueryTemplate{Type: "regexp"}},
		"bad regexp":          {Service: catalog.ServiceQuery{Service: "web"}, Template: catalog.QueryTemplate{Type: tmpl.Type, Regexp: "("}},
		"unknown variable":    {Service: catalog.ServiceQuery{Service: "${agent.name}"}, Template: tmpl},
		"regexp w/o template": {Service: catalog.ServiceQuery{Service: "web"}, Template: catalog.QueryTemplate{Regexp: "x"}},
	} {
		if err := validatePreparedQuery(&q); !catalog.IsBadRequest(err) {
			t.Errorf("%s: got %v, want a bad request", name, err)
		}
	}
	ok := catalog.PreparedQuery{Name: "geo-", Template: tmpl, Service: catalog.ServiceQuery{Service: "${name.suffix}"}, DNS: catalog.QueryDNSOptions{TTL: "5s"}}
	if err := validatePreparedQuery(&ok); err != nil {
		t.Errorf("valid template refused: %v", err)
	}
}

// A template whose regexp does not match renders an empty service, which
// executes to an empty answer rather than an error.
func TestExecuteEmptyRenderedService(t *testing.T) {
	gossip := &fakeLAN{}
	s, self := startTestServer(t, 1, gossip, nil)
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	ctx := context.Background()
	var id string
	if err := s.RPC(ctx, catalog.MethodPreparedQueryApply, &catalog.PreparedQueryRequest{Op: catalog.PreparedQueryCreate,
		Query: catalog.PreparedQuery{Name: "geo-", Template: catalog.QueryTemplate{Type: catalog.QueryTemplateNamePrefixMatch, Regexp: `^geo-(\d+)$`},
			Service: catalog.ServiceQuery{Service: "${match(1)}"}}}, &id); err != nil {
		t.Fatal(err)
	}
	var out catalog.PreparedQueryExecuteResponse
	if err := s.RPC(ctx, catalog.MethodPreparedQueryExecute, &catalog.PreparedQueryExecuteRequest{QueryIDOrName: "geo-abc"}, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Nodes) != 0 || out.Service != "" || out.Datacenter != "dc1" {
		t.Fatalf("got %+v", out)
	}
}
