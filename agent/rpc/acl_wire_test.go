package rpc

import (
	"bytes"
	"testing"

	"github.com/hashicorp/go-msgpack/v2/codec"

	"github.com/concord-dev/concord/catalog"
)

// TestACLRequestKeepsCallerToken: an ACL write carries two tokens, the
// caller's secret (WriteRequest.Token) and the token being written
// (ACLRequest.Token). Both must survive the wire, or every ACL write
// forwarded by a client agent or a follower arrives anonymous.
func TestACLRequestKeepsCallerToken(t *testing.T) {
	h := newHandle()
	in := catalog.ACLRequest{
		WriteRequest: catalog.WriteRequest{Datacenter: "dc1", Token: "caller-secret"},
		Op:           catalog.ACLTokenSet,
		Create:       true,
		Token:        &catalog.ACLToken{Description: "written"},
		Policy:       &catalog.ACLPolicy{Name: "p"},
	}
	var buf bytes.Buffer
	if err := codec.NewEncoder(&buf, h).Encode(&in); err != nil {
		t.Fatal(err)
	}
	var out catalog.ACLRequest
	if err := codec.NewDecoder(&buf, h).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.WriteRequest.Token != "caller-secret" || out.Datacenter != "dc1" {
		t.Errorf("caller's token/datacenter lost on the wire: %+v", out.WriteRequest)
	}
	if out.Token == nil || out.Token.Description != "written" || out.Policy == nil || out.Policy.Name != "p" || !out.Create {
		t.Errorf("payload lost on the wire: %+v", out)
	}
}
