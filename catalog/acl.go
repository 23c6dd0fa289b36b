package catalog

import "time"

// ACL objects, in Consul's JSON shapes. The policy language and the
// decisions built from these objects live in package acl.

// ACLLink names a policy or role a token (or role) uses; either field may
// be given, the store fills in the other.
type ACLLink struct {
	ID   string
	Name string
}

// ACLServiceIdentity grants a service's usual rights (a synthetic policy).
type ACLServiceIdentity struct {
	ServiceName string
	Datacenters []string `json:",omitempty"`
}

// ACLNodeIdentity grants a node's usual rights in one datacenter.
type ACLNodeIdentity struct {
	NodeName   string
	Datacenter string
}

// ACLToken is a credential: its SecretID is what clients send, its
// AccessorID is how operators name it without revealing it.
type ACLToken struct {
	AccessorID        string
	SecretID          string
	Description       string
	Policies          []ACLLink             `json:",omitempty"`
	Roles             []ACLLink             `json:",omitempty"`
	ServiceIdentities []*ACLServiceIdentity `json:",omitempty"`
	NodeIdentities    []*ACLNodeIdentity    `json:",omitempty"`
	Local             bool
	ExpirationTime    *time.Time    `json:",omitempty"`
	ExpirationTTL     time.Duration `json:",omitempty"`
	CreateTime        time.Time
	Hash              []byte
	CreateIndex       uint64
	ModifyIndex       uint64
}

// Expired reports whether the token has an expiration time before now.
func (t *ACLToken) Expired(now time.Time) bool {
	return t.ExpirationTime != nil && !t.ExpirationTime.After(now)
}

// ACLPolicy is a named set of rules.
type ACLPolicy struct {
	ID          string
	Name        string
	Description string
	Rules       string
	Datacenters []string `json:",omitempty"`
	Hash        []byte
	CreateIndex uint64
	ModifyIndex uint64
}

// ACLRole groups policies and identities for tokens to share.
type ACLRole struct {
	ID                string
	Name              string
	Description       string
	Policies          []ACLLink             `json:",omitempty"`
	ServiceIdentities []*ACLServiceIdentity `json:",omitempty"`
	NodeIdentities    []*ACLNodeIdentity    `json:",omitempty"`
	Hash              []byte
	CreateIndex       uint64
	ModifyIndex       uint64
}

// ACLOp names a replicated ACL change.
type ACLOp string

const (
	ACLBootstrap    ACLOp = "bootstrap"
	ACLTokenSet     ACLOp = "token-set"
	ACLTokenDelete  ACLOp = "token-delete"
	ACLPolicySet    ACLOp = "policy-set"
	ACLPolicyDelete ACLOp = "policy-delete"
	ACLRoleSet      ACLOp = "role-set"
	ACLRoleDelete   ACLOp = "role-delete"
	// ACLBatch applies Batch in order, in one Raft entry: a secondary
	// datacenter's replication writes what it copied from the primary
	// this way.
	ACLBatch ACLOp = "batch"
)

// ACLRequest is one ACL write: Op with the object it sets, or the ID it
// deletes. ResetIndex, for a bootstrap, is the index an operator wrote to
// the acl-bootstrap-reset file to allow a second bootstrap.
//
// WriteRequest is encoded as its own map, not inlined: its Token (the
// caller's secret) and the Token field below share a name, and msgpack
// like Go keeps only the shallower one, so the caller's secret was
// dropped on every forwarded ACL write.
type ACLRequest struct {
	WriteRequest `codec:"WriteRequest"`
	// Create: a Set makes a new object (an ID may be given) instead of
	// updating the one named by its ID, which must exist.
	Create     bool
	Op         ACLOp
	Token      *ACLToken
	Policy     *ACLPolicy
	Role       *ACLRole
	ID         string
	ResetIndex uint64
	// Batch holds the changes of an ACLBatch; the others leave it empty.
	Batch []*ACLRequest `json:",omitempty"`
}

// ACLReadRequest reads one ACL object by ID (or by name for policies and
// roles, by secret for a token's /self).
type ACLReadRequest struct {
	QueryOptions
	ID       string
	Name     string
	BySecret bool
}

// ACLListRequest lists tokens (optionally those using Policy or Role),
// policies or roles.
type ACLListRequest struct {
	QueryOptions
	Policy string
	Role   string
}

// IndexedACLTokens, IndexedACLPolicies and IndexedACLRoles answer the
// ACL reads; a read of one object answers a list of at most one.
type IndexedACLTokens struct {
	Tokens []*ACLToken
	QueryMeta
}

type IndexedACLPolicies struct {
	Policies []*ACLPolicy
	QueryMeta
}

type IndexedACLRoles struct {
	Roles []*ACLRole
	QueryMeta
}

// ACLIdentity is what an agent needs to decide for a token: the token
// (secret removed) and every policy it reaches, directly or through its
// roles, plus the identities of both.
type ACLIdentity struct {
	Token             *ACLToken
	Policies          []*ACLPolicy
	ServiceIdentities []*ACLServiceIdentity
	NodeIdentities    []*ACLNodeIdentity
	Management        bool // holds global-management
}

// ACLResolveRequest asks a server for a token's ACLIdentity.
type ACLResolveRequest struct {
	QueryOptions
	SecretID string
}

// ACLNotFoundText is the answer for a token that does not exist.
const ACLNotFoundText = "ACL not found"

// ACLReplicationStatus answers GET /v1/acl/replication: what a secondary
// datacenter's leader copies from the primary, in Consul's shape.
// ReplicationType is "policies", or "tokens" with token replication on.
type ACLReplicationStatus struct {
	Enabled              bool
	Running              bool
	SourceDatacenter     string
	ReplicationType      string
	ReplicatedIndex      uint64
	ReplicatedRoleIndex  uint64
	ReplicatedTokenIndex uint64
	LastSuccess          time.Time
	LastError            time.Time
	LastErrorMessage     string
}
