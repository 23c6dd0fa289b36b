package command

import (
	"net/url"
	"testing"
)

const catalogNodesJSON = `[
 {"ID":"6bf5ae5c-3b7f-4a2c-8a0e-9b6f2c1d4e5f","Node":"server-1","Address":"10.0.0.2","Datacenter":"dc1",
  "TaggedAddresses":{"lan":"10.0.0.2","wan":"198.51.100.2"},"Meta":{"rack":"r1","consul-network-segment":""}},
 {"ID":"","Node":"external-db","Address":"db.example.com","Datacenter":"dc1","TaggedAddresses":null,"Meta":null}
]`

func TestCatalogDatacenters(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/catalog/datacenters", 200, `["dc1","dc2"]`)
	expect(t, runCLI(t, f.env(), "", "catalog", "datacenters"), 0, "dc1\ndc2\n", "")
	expect(t, runCLI(t, f.env(), "", "catalog", "datacenters", "extra"), 1, "",
		"Too many arguments (expected 0, got 1)\n")
	f.expectCalls(call{Method: "GET", Path: "/v1/catalog/datacenters"})

	f.reply("GET /v1/catalog/datacenters", 500, "down")
	expect(t, runCLI(t, f.env(), "", "catalog", "datacenters"), 1, "",
		"Error listing datacenters: Unexpected response code: 500 (down)\n")
}

func TestCatalogNodes(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/catalog/nodes", 200, catalogNodesJSON)

	expect(t, runCLI(t, f.env(), "", "catalog", "nodes"), 0, ""+
		"Node         ID        Address         DC\n"+
		"server-1     6bf5ae5c  10.0.0.2        dc1\n"+
		"external-db            db.example.com  dc1\n", "")
	expect(t, runCLI(t, f.env(), "", "catalog", "nodes", "-detailed", "-datacenter", "dc1", "-stale"), 0, ""+
		"Node         ID                                    Address         DC   TaggedAddresses                 Meta\n"+
		"server-1     6bf5ae5c-3b7f-4a2c-8a0e-9b6f2c1d4e5f  10.0.0.2        dc1  lan=10.0.0.2, wan=198.51.100.2  consul-network-segment=, rack=r1\n"+
		"external-db                                        db.example.com  dc1                                  \n", "")
	expect(t, runCLI(t, f.env(), "", "catalog", "nodes", "-node-meta", "rack=r1", "-node-meta", "os=linux"), 0, ""+
		"Node         ID        Address         DC\n"+
		"server-1     6bf5ae5c  10.0.0.2        dc1\n"+
		"external-db            db.example.com  dc1\n", "")

	reqs := f.requests()
	if reqs[0].Query != "" || reqs[1].Query != "dc=dc1&stale=" {
		t.Errorf("queries: %q, %q", reqs[0].Query, reqs[1].Query)
	}
	q, _ := url.ParseQuery(reqs[2].Query)
	if meta := q["node-meta"]; len(meta) != 2 || !(meta[0] == "rack:r1" && meta[1] == "os:linux" || meta[0] == "os:linux" && meta[1] == "rack:r1") {
		t.Errorf("node-meta query: %q", reqs[2].Query)
	}

	expect(t, runCLI(t, f.env(), "", "catalog", "nodes", "-near", "_agent"), 0, ""+
		"Node         ID        Address         DC\n"+
		"server-1     6bf5ae5c  10.0.0.2        dc1\n"+
		"external-db            db.example.com  dc1\n", "")
	if reqs := f.requests(); reqs[len(reqs)-1].Query != "near=_agent" {
		t.Errorf("-near query: %q", reqs[len(reqs)-1].Query)
	}

	expect(t, runCLI(t, f.env(), "", "catalog", "nodes", "-node-meta", "novalue"), 1, "",
		"invalid value \"novalue\" for flag -node-meta: Missing \"=\" value in argument: novalue\n"+
			runCLI(t, nil, "", "catalog", "nodes", "-h").stdout)

	f.reply("GET /v1/catalog/nodes", 200, `[]`)
	expect(t, runCLI(t, f.env(), "", "catalog", "nodes"), 0, "",
		"No nodes match the given query - try expanding your search.\n")
}

func TestCatalogNodesForService(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/catalog/service/web", 200, `[
	 {"ID":"aaaaaaaa-1111-2222-3333-444444444444","Node":"web-1","Address":"10.0.0.5","Datacenter":"dc1",
	  "ServiceName":"web","ServiceID":"web-a","NodeMeta":{"rack":"r2"}}]`)
	expect(t, runCLI(t, f.env(), "", "catalog", "nodes", "-service", "web"), 0, ""+
		"Node   ID        Address   DC\n"+
		"web-1  aaaaaaaa  10.0.0.5  dc1\n", "")
	f.expectCalls(call{Method: "GET", Path: "/v1/catalog/service/web"})
}

func TestCatalogServices(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/catalog/services", 200, `{"consul":[],"web":["v2","primary"],"redis":["v1"]}`)
	f.reply("GET /v1/catalog/node/web-1", 200, `{"Node":{"Node":"web-1"},"Services":{
	  "web-a":{"ID":"web-a","Service":"web","Tags":["b"]},
	  "web-b":{"ID":"web-b","Service":"web","Tags":["a"]},
	  "cache":{"ID":"cache","Service":"cache","Tags":null}}}`)
	f.reply("GET /v1/catalog/node/ghost", 200, `null`)

	expect(t, runCLI(t, f.env(), "", "catalog", "services"), 0, "consul\nredis\nweb\n", "")
	expect(t, runCLI(t, f.env(), "", "catalog", "services", "-tags"), 0, ""+
		"consul      \n"+
		"redis       v1\n"+
		"web         primary,v2\n", "")
	expect(t, runCLI(t, f.env(), "", "catalog", "services", "-node", "web-1", "-tags"), 0, ""+
		"cache      \n"+
		"web        a,b\n", "")
	expect(t, runCLI(t, f.env(), "", "catalog", "services", "-node", "ghost"), 0, "",
		"No services match the given query - try expanding your search.\n")
	f.expectCalls(
		call{Method: "GET", Path: "/v1/catalog/services"},
		call{Method: "GET", Path: "/v1/catalog/services"},
		call{Method: "GET", Path: "/v1/catalog/node/web-1"},
		call{Method: "GET", Path: "/v1/catalog/node/ghost"},
	)
}
