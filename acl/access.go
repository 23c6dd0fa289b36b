package acl

// Access is the disposition a rule grants. The zero value, AccessDefault,
// means no rule applies and the authorizer's default decides.
type Access int

// Dispositions, from "no rule" to the most permissive. AccessDeny sorts
// below the grants but wins every merge (see stronger).
const (
	AccessDefault Access = iota
	AccessDeny
	AccessRead
	AccessList
	AccessWrite
)

// String returns the disposition as the rule language spells it, or
// "default" for AccessDefault.
func (a Access) String() string {
	switch a {
	case AccessDeny:
		return "deny"
	case AccessRead:
		return "read"
	case AccessList:
		return "list"
	case AccessWrite:
		return "write"
	default:
		return "default"
	}
}

// parseAccess reads a disposition; list is accepted only when allowList.
func parseAccess(s string, allowList bool) (Access, bool) {
	switch s {
	case "deny":
		return AccessDeny, true
	case "read":
		return AccessRead, true
	case "write":
		return AccessWrite, true
	case "list":
		return AccessList, allowList
	}
	return AccessDefault, false
}

// stronger merges two dispositions for the same segment: deny beats every
// grant, and among grants write beats list beats read. AccessDefault loses
// to anything.
func stronger(a, b Access) Access {
	if a == AccessDeny || b == AccessDeny {
		return AccessDeny
	}
	if a > b {
		return a
	}
	return b
}

// grants reports whether a rule's disposition satisfies the access needed,
// AccessRead or AccessWrite. Write implies read, and list grants what read
// does (see KeyList). AccessDefault grants nothing: callers apply their
// default before asking.
func (a Access) grants(need Access) bool {
	switch a {
	case AccessWrite:
		return true
	case AccessList, AccessRead:
		return need == AccessRead
	}
	return false
}
