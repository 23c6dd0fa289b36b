package acl

// Authorizer answers whether a token may act on a resource. Methods taking
// a name decide by the rules for that name (exact rule, else longest
// prefix, else default); the others by the resource's single rule.
// Implementations are immutable and safe for concurrent use.
type Authorizer interface {
	// KeyRead: read the KV entry key (read, list or write).
	KeyRead(key string) bool
	// KeyList: list the keys under prefix. Granted by read, list or write
	// on prefix: concord treats list like read, as Consul does unless
	// acl.enable_key_list_policy is set.
	KeyList(prefix string) bool
	// KeyWrite: write or delete the KV entry key.
	KeyWrite(key string) bool
	// KeyWritePrefix: write every key under prefix (a recursive delete):
	// write at prefix, and no rule for a segment starting with prefix
	// grants less than write.
	KeyWritePrefix(prefix string) bool

	ServiceRead(name string) bool
	ServiceWrite(name string) bool
	NodeRead(name string) bool
	NodeWrite(name string) bool
	// AgentRead and AgentWrite govern the agent endpoints of the agent on
	// node.
	AgentRead(node string) bool
	AgentWrite(node string) bool
	// SessionRead and SessionWrite govern sessions on node.
	SessionRead(node string) bool
	SessionWrite(node string) bool
	EventRead(name string) bool
	EventWrite(name string) bool
	PreparedQueryRead(name string) bool
	PreparedQueryWrite(name string) bool

	OperatorRead() bool
	OperatorWrite() bool
	KeyringRead() bool
	KeyringWrite() bool
	// ACLRead and ACLWrite need an acl rule (or ManageAll): a default of
	// allow does not grant them.
	ACLRead() bool
	ACLWrite() bool
	// MeshRead and MeshWrite use the mesh rule, or the operator rule when
	// there is no mesh rule.
	MeshRead() bool
	MeshWrite() bool
}

// New merges policies into one Authorizer. Where no rule applies,
// defaultAllow decides, except for ACLRead and ACLWrite, which are denied
// without an acl rule. Rules for the same segment (or the same
// unsegmented resource) in several policies merge: deny wins, then write,
// list, read. Nil policies are skipped.
func New(defaultAllow bool, policies ...*Policy) Authorizer {
	a := &policyAuthorizer{defaultAllow: defaultAllow}
	empty := true
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, r := range p.rules {
			empty = false
			if r.res < numSegmented {
				a.trees[r.res].insert(r.segment, r.prefix, r.access)
			} else {
				a.bare[r.res-numSegmented] = stronger(a.bare[r.res-numSegmented], r.access)
			}
		}
	}
	if empty {
		if defaultAllow {
			return AllowAll()
		}
		return DenyAll()
	}
	return a
}

// policyAuthorizer decides from merged rules. It is never modified after
// New returns.
type policyAuthorizer struct {
	defaultAllow bool
	trees        [numSegmented]tree
	bare         [numResources - numSegmented]Access
}

var _ Authorizer = (*policyAuthorizer)(nil)

// decide applies the default to a disposition and checks it against need.
func (a *policyAuthorizer) decide(got, need Access) bool {
	if got == AccessDefault {
		return a.defaultAllow
	}
	return got.grants(need)
}

func (a *policyAuthorizer) named(res resource, name string, need Access) bool {
	return a.decide(a.trees[res].lookup(name), need)
}

func (a *policyAuthorizer) rule(res resource) Access { return a.bare[res-numSegmented] }

func (a *policyAuthorizer) KeyRead(key string) bool    { return a.named(resKey, key, AccessRead) }
func (a *policyAuthorizer) KeyList(prefix string) bool { return a.named(resKey, prefix, AccessRead) }
func (a *policyAuthorizer) KeyWrite(key string) bool   { return a.named(resKey, key, AccessWrite) }
func (a *policyAuthorizer) ServiceRead(n string) bool  { return a.named(resService, n, AccessRead) }
func (a *policyAuthorizer) ServiceWrite(n string) bool { return a.named(resService, n, AccessWrite) }
func (a *policyAuthorizer) NodeRead(n string) bool     { return a.named(resNode, n, AccessRead) }
func (a *policyAuthorizer) NodeWrite(n string) bool    { return a.named(resNode, n, AccessWrite) }
func (a *policyAuthorizer) AgentRead(n string) bool    { return a.named(resAgent, n, AccessRead) }
func (a *policyAuthorizer) AgentWrite(n string) bool   { return a.named(resAgent, n, AccessWrite) }
func (a *policyAuthorizer) SessionRead(n string) bool  { return a.named(resSession, n, AccessRead) }
func (a *policyAuthorizer) SessionWrite(n string) bool { return a.named(resSession, n, AccessWrite) }
func (a *policyAuthorizer) EventRead(n string) bool    { return a.named(resEvent, n, AccessRead) }
func (a *policyAuthorizer) EventWrite(n string) bool   { return a.named(resEvent, n, AccessWrite) }
func (a *policyAuthorizer) PreparedQueryRead(n string) bool {
	return a.named(resQuery, n, AccessRead)
}
func (a *policyAuthorizer) PreparedQueryWrite(n string) bool {
	return a.named(resQuery, n, AccessWrite)
}

func (a *policyAuthorizer) KeyWritePrefix(prefix string) bool {
	t := &a.trees[resKey]
	if !t.allUnder(prefix, func(x Access) bool { return x == AccessWrite }) {
		return false
	}
	// Only prefix rules speak for the keys under prefix; an exact rule for
	// prefix itself was checked above.
	_, atPrefix := t.match(prefix)
	return a.decide(atPrefix, AccessWrite)
}

func (a *policyAuthorizer) OperatorRead() bool  { return a.decide(a.rule(resOperator), AccessRead) }
func (a *policyAuthorizer) OperatorWrite() bool { return a.decide(a.rule(resOperator), AccessWrite) }
func (a *policyAuthorizer) KeyringRead() bool   { return a.decide(a.rule(resKeyring), AccessRead) }
func (a *policyAuthorizer) KeyringWrite() bool  { return a.decide(a.rule(resKeyring), AccessWrite) }
func (a *policyAuthorizer) ACLRead() bool       { return a.rule(resACL).grants(AccessRead) }
func (a *policyAuthorizer) ACLWrite() bool      { return a.rule(resACL).grants(AccessWrite) }
func (a *policyAuthorizer) MeshRead() bool      { return a.decide(a.meshRule(), AccessRead) }
func (a *policyAuthorizer) MeshWrite() bool     { return a.decide(a.meshRule(), AccessWrite) }

// meshRule is the mesh rule, or the operator rule standing in for it.
func (a *policyAuthorizer) meshRule() Access {
	if m := a.rule(resMesh); m != AccessDefault {
		return m
	}
	return a.rule(resOperator)
}

// ManageAll is the authorizer of the global-management policy: everything
// is allowed, ACL management included.
func ManageAll() Authorizer { return manageAll }

// AllowAll allows everything except ACLRead and ACLWrite: the decisions
// when ACLs are disabled, and the default of default_policy "allow".
func AllowAll() Authorizer { return allowAll }

// DenyAll denies everything.
func DenyAll() Authorizer { return denyAll }

var (
	manageAll = staticAuthorizer{allow: true, manage: true}
	allowAll  = staticAuthorizer{allow: true}
	denyAll   = staticAuthorizer{}
)

// staticAuthorizer gives the same answer for every resource; manage
// decides ACLRead and ACLWrite.
type staticAuthorizer struct {
	allow, manage bool
}

var _ Authorizer = staticAuthorizer{}

func (s staticAuthorizer) KeyRead(string) bool            { return s.allow }
func (s staticAuthorizer) KeyList(string) bool            { return s.allow }
func (s staticAuthorizer) KeyWrite(string) bool           { return s.allow }
func (s staticAuthorizer) KeyWritePrefix(string) bool     { return s.allow }
func (s staticAuthorizer) ServiceRead(string) bool        { return s.allow }
func (s staticAuthorizer) ServiceWrite(string) bool       { return s.allow }
func (s staticAuthorizer) NodeRead(string) bool           { return s.allow }
func (s staticAuthorizer) NodeWrite(string) bool          { return s.allow }
func (s staticAuthorizer) AgentRead(string) bool          { return s.allow }
func (s staticAuthorizer) AgentWrite(string) bool         { return s.allow }
func (s staticAuthorizer) SessionRead(string) bool        { return s.allow }
func (s staticAuthorizer) SessionWrite(string) bool       { return s.allow }
func (s staticAuthorizer) EventRead(string) bool          { return s.allow }
func (s staticAuthorizer) EventWrite(string) bool         { return s.allow }
func (s staticAuthorizer) PreparedQueryRead(string) bool  { return s.allow }
func (s staticAuthorizer) PreparedQueryWrite(string) bool { return s.allow }
func (s staticAuthorizer) OperatorRead() bool             { return s.allow }
func (s staticAuthorizer) OperatorWrite() bool            { return s.allow }
func (s staticAuthorizer) KeyringRead() bool              { return s.allow }
func (s staticAuthorizer) KeyringWrite() bool             { return s.allow }
func (s staticAuthorizer) ACLRead() bool                  { return s.manage }
func (s staticAuthorizer) ACLWrite() bool                 { return s.manage }
func (s staticAuthorizer) MeshRead() bool                 { return s.allow }
func (s staticAuthorizer) MeshWrite() bool                { return s.allow }
