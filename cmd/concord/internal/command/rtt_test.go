package command

import "testing"

// Three nodes on a line: n1 at the origin, n2 1 ms away, n3 (self) 3 ms
// away; heights at the minimum (10 µs each).
const coordNodesJSON = `[
 {"Node":"n1","Segment":"","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0,"Height":0.00001}},
 {"Node":"n2","Segment":"","Coord":{"Vec":[0.001,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0,"Height":0.00001}},
 {"Node":"n3","Segment":"","Coord":{"Vec":[0.003,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0,"Height":0.00001}}
]`

func TestRTT(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/coordinate/nodes", 200, coordNodesJSON)
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n3","Datacenter":"dc1"}}`)
	f.reply("GET /v1/coordinate/datacenters", 200, `[{"Datacenter":"dc1","AreaID":"wan","Coordinates":[
		{"Node":"n1","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0,"Height":0.00001}},
		{"Node":"n3","Coord":{"Vec":[0.003,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0,"Height":0.00001}}]}]`)

	expect(t, runCLI(t, f.env(), "", "rtt", "n1", "n2"), 0, "Estimated n1 <-> n2 rtt: 1.020 ms (using LAN coordinates)\n", "")
	// One node: the other is the agent's.
	expect(t, runCLI(t, f.env(), "", "rtt", "n1"), 0, "Estimated n1 <-> n3 rtt: 3.020 ms (using LAN coordinates)\n", "")
	expect(t, runCLI(t, f.env(), "", "rtt", "-wan", "n1.dc1"), 0, "Estimated n1.dc1 <-> n3.dc1 rtt: 3.020 ms (using WAN coordinates)\n", "")
	expect(t, runCLI(t, f.env(), "", "rtt", "n1", "nope"), 1, "", "Could not find a coordinate for node \"nope\"\n")
	if r := runCLI(t, f.env(), "", "rtt"); r.code != 1 {
		t.Fatalf("no node: exit %d", r.code)
	}
}
