package command

import (
	"net/http"
	"testing"
)

const membersJSON = `[
 {"Name":"web-2","Addr":"10.0.0.12","Port":8301,"Status":4,
  "Tags":{"role":"node","dc":"dc1","build":"1.22.0:abcdef","vsn":"2","segment":""}},
 {"Name":"srv-b","Addr":"10.0.0.3","Port":8301,"Status":1,
  "Tags":{"role":"consul","dc":"dc1","build":"0.1.0:deadbeef","vsn":"2","port":"8300"}},
 {"Name":"srv-a","Addr":"10.0.0.2","Port":8301,"Status":1,
  "Tags":{"role":"consul","dc":"dc1","build":"0.1.0","vsn":"2","port":"8300"}},
 {"Name":"web-1","Addr":"::1","Port":8301,"Status":3,
  "Tags":{"role":"node","dc":"dc1","build":"0.1.0:x","vsn":"2"}},
 {"Name":"odd","Addr":"10.0.0.9","Port":8301,"Status":2,"Tags":{}}
]`

func TestMembersTable(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/members", 200, membersJSON)
	env := f.env()
	env["CONSUL_HTTP_TOKEN"] = "secret-token"

	want := "" +
		"Node   Address         Status   Type     Build   Protocol  DC   Partition  Segment\n" +
		"srv-a  10.0.0.2:8301   alive    server   0.1.0   2         dc1  default    <all>\n" +
		"srv-b  10.0.0.3:8301   alive    server   0.1.0   2         dc1  default    <all>\n" +
		"odd    10.0.0.9:8301   leaving  unknown                                    \n" +
		"web-1  [::1]:8301      left     client   0.1.0   2         dc1  default    <default>\n" +
		"web-2  10.0.0.12:8301  failed   client   1.22.0  2         dc1  default    <default>\n"
	expect(t, runCLI(t, env, "", "members"), 0, want, "")
	f.expectCalls(call{Method: "GET", Path: "/v1/agent/members", Token: "secret-token"})
}

func TestMembersDetailedStatusAndWAN(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/agent/members", 200, membersJSON)

	want := "" +
		"Node   Address        Status  Tags\n" +
		"srv-a  10.0.0.2:8301  alive   ap=default,build=0.1.0,dc=dc1,port=8300,role=consul,segment=<all>,vsn=2\n" +
		"srv-b  10.0.0.3:8301  alive   ap=default,build=0.1.0:deadbeef,dc=dc1,port=8300,role=consul,segment=<all>,vsn=2\n"
	expect(t, runCLI(t, f.env(), "", "members", "-detailed", "-status", "^alive$"), 0, want, "")

	// Nothing matching: Consul's exit code 2 and no output.
	expect(t, runCLI(t, f.env(), "", "members", "-status", "bogus"), 2, "", "")
	expect(t, runCLI(t, f.env(), "", "members", "-status", "("), 1, "",
		"Failed to compile status regexp: error parsing regexp: missing closing ): `(`\n")

	f.reply("GET /v1/agent/members", 200, `[{"Name":"srv-a.dc2","Addr":"10.1.0.2","Port":8302,"Status":1,
		"Tags":{"role":"consul","dc":"dc2","build":"0.1.0","vsn":"2"}}]`)
	want = "" +
		"Node       Address        Status  Type    Build  Protocol  DC   Partition  Segment\n" +
		"srv-a.dc2  10.1.0.2:8302  alive   server  0.1.0  2         dc2  default    <all>\n"
	expect(t, runCLI(t, f.env(), "", "members", "-wan"), 0, want, "")

	reqs := f.requests()
	if last := reqs[len(reqs)-1]; last.Query != "wan=1" {
		t.Errorf("-wan query = %q", last.Query)
	}
}

func TestMembersAgentError(t *testing.T) {
	f := newFakeAgent(t)
	f.on("GET /v1/agent/members", func(w http.ResponseWriter, _ call) {
		w.WriteHeader(500)
		w.Write([]byte("boom\n"))
	})
	expect(t, runCLI(t, f.env(), "", "members"), 1, "",
		"Error retrieving members: Unexpected response code: 500 (boom)\n")
}
