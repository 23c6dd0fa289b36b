// Package acl is Consul's ACL rule language and the decisions made from it:
// Parse reads a policy's rules (HCL 1 or JSON), New merges any number of
// policies into an Authorizer, and the synthetic rules of service and node
// identities are built by ServiceIdentityRules and NodeIdentityRules.
//
// Rules name a resource and either a segment and a disposition
// (`key_prefix "app/" { policy = "write" }`) or, for the unsegmented
// resources operator, keyring, acl and mesh, only a disposition
// (`operator = "read"`). A decision about a named resource uses the exact
// rule for the name when there is one, otherwise the rule with the longest
// matching prefix, otherwise the authorizer's default. When several
// policies hold a rule for the same segment, deny wins, then write, list
// and read, in that order.
//
// The package owns no storage and imports no other concord package: the
// catalog stores policies as text, and whoever resolves a token parses its
// policies and calls New.
package acl
