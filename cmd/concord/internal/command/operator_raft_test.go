package command

import "testing"

func TestRaftListPeers(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/operator/raft/configuration", 200, `{"Index":12,"Servers":[
	 {"ID":"11111111-aaaa","Node":"server-1","Address":"10.0.0.1:8300","Leader":true,"Voter":true,"ProtocolVersion":"3","LastIndex":120},
	 {"ID":"22222222-bbbb","Node":"server-2","Address":"10.0.0.2:8300","Leader":false,"Voter":true,"ProtocolVersion":"3","LastIndex":119},
	 {"ID":"33333333-cccc","Node":"server-3","Address":"10.0.0.3:8300","Leader":false,"Voter":false,"ProtocolVersion":"","LastIndex":100},
	 {"ID":"44444444-dddd","Node":"server-4","Address":"10.0.0.4:8300","Leader":false,"Voter":true,"ProtocolVersion":"3","LastIndex":121}]}`)

	want := "" +
		"Node      ID             Address        State     Voter  RaftProtocol  Commit Index  Trails Leader By\n" +
		"server-1  11111111-aaaa  10.0.0.1:8300  leader    true   3             120           -\n" +
		"server-2  22222222-bbbb  10.0.0.2:8300  follower  true   3             119           1 commit\n" +
		"server-3  33333333-cccc  10.0.0.3:8300  follower  false  <=1           100           20 commits\n" +
		"server-4  44444444-dddd  10.0.0.4:8300  follower  true   3             121           0 commits\n"
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "list-peers"), 0, want, "")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "list-peers", "-stale"), 0, want, "")
	f.expectCalls(
		call{Method: "GET", Path: "/v1/operator/raft/configuration"},
		call{Method: "GET", Path: "/v1/operator/raft/configuration", Query: "stale="},
	)

	f.reply("GET /v1/operator/raft/configuration", 500, "No cluster leader")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "list-peers"), 1, "",
		"Error getting peers: Failed to retrieve raft configuration: Unexpected response code: 500 (No cluster leader)\n")
}

func TestRaftRemovePeer(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("DELETE /v1/operator/raft/peer", 200, "")

	expect(t, runCLI(t, f.env(), "", "operator", "raft", "remove-peer", "-id", "22222222-bbbb"), 0,
		"Removed peer with id \"22222222-bbbb\"\n", "")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "remove-peer", "-address=10.0.0.2:8300"), 0,
		"Removed peer with address \"10.0.0.2:8300\"\n", "")
	f.expectCalls(
		call{Method: "DELETE", Path: "/v1/operator/raft/peer", Query: "id=22222222-bbbb"},
		call{Method: "DELETE", Path: "/v1/operator/raft/peer", Query: "address=10.0.0.2%3A8300"},
	)

	expect(t, runCLI(t, f.env(), "", "operator", "raft", "remove-peer"), 1, "",
		"Error removing peer: an address or id is required for the peer to remove\n")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "remove-peer", "-id", "x", "-address", "y:1"), 1, "",
		"Error removing peer: cannot give both an address and id\n")

	f.reply("DELETE /v1/operator/raft/peer", 500, "id not found")
	expect(t, runCLI(t, f.env(), "", "operator", "raft", "remove-peer", "-id", "nope"), 1, "",
		"Error removing peer: Unexpected response code: 500 (id not found)\n")
}
