package acl

import (
	"fmt"
	"strings"
)

// The built-in policy and token Consul creates with the ACL system: the
// global-management policy (whose authorizer is ManageAll) and the
// anonymous token, used by requests that carry no token.
const (
	GlobalManagementPolicyID   = "00000000-0000-0000-0000-000000000001"
	GlobalManagementPolicyName = "global-management"
	AnonymousTokenID           = "00000000-0000-0000-0000-000000000002"
)

// ServiceIdentityRules returns the rules of a token's service identity,
// as Consul synthesises them: write on the service and its sidecar proxy,
// read on every service and node (for discovery).
//
// The rules are the same in every datacenter; datacenters, when not empty,
// limit where the identity applies, and the caller must skip the identity
// elsewhere. The parameter is here so that callers hand the identity over
// whole and are reminded of that duty.
func ServiceIdentityRules(service string, datacenters []string) string {
	_ = datacenters
	var b strings.Builder
	writeRule(&b, "service", service, "write")
	writeRule(&b, "service", service+"-sidecar-proxy", "write")
	writeRule(&b, "service_prefix", "", "read")
	writeRule(&b, "node_prefix", "", "read")
	return b.String()
}

// NodeIdentityRules returns the rules of a token's node identity, as
// Consul synthesises them: write on the node, read on every service.
func NodeIdentityRules(node string) string {
	var b strings.Builder
	writeRule(&b, "node", node, "write")
	writeRule(&b, "service_prefix", "", "read")
	return b.String()
}

func writeRule(b *strings.Builder, res, segment, policy string) {
	fmt.Fprintf(b, "%s %s {\n  policy = %q\n}\n", res, quoteHCL(segment), policy)
}

// quoteHCL quotes s as an HCL 1 string. Identity names are validated
// upstream (lower-case letters, digits, '-' and '_'), but the quoting is
// exact for any text: HCL 1 unescapes \\, \" and \n like Go and keeps
// everything else, "${" included, as written.
func quoteHCL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
