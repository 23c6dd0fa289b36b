package catalog

import "time"

// Session behaviours: what happens to the keys a session holds when it is
// invalidated.
const (
	SessionRelease = "release" // the keys stay, unlocked
	SessionDelete  = "delete"  // the keys are deleted
)

// Session defaults and bounds, Consul's.
const (
	DefaultLockDelay = 15 * time.Second
	MaxLockDelay     = 60 * time.Second
	SessionTTLMin    = 10 * time.Second
	SessionTTLMax    = 24 * time.Hour
	// SessionTTLMultiplier is the grace a session gets: it is invalidated
	// only after TTL times this without a renewal.
	SessionTTLMultiplier = 2
)

// ServiceCheck names a service check a session is tied to.
type ServiceCheck struct {
	ID        string
	Namespace string
}

// Session is a lease on a node: locks in the KV store are held through
// one, and it ends when the node or one of its checks fails, when its TTL
// lapses without a renewal, or when it is destroyed.
type Session struct {
	ID            string
	Name          string
	Node          string
	NodeChecks    []string
	ServiceChecks []ServiceCheck
	LockDelay     time.Duration
	Behavior      string
	// TTL is kept exactly as the client sent it ("15.0s" stays so).
	TTL         string
	CreateIndex uint64
	ModifyIndex uint64
}

// HasCheck reports whether the session is tied to the check id.
func (s *Session) HasCheck(id string) bool {
	for _, c := range s.NodeChecks {
		if c == id {
			return true
		}
	}
	for _, c := range s.ServiceChecks {
		if c.ID == id {
			return true
		}
	}
	return false
}

// SessionOp names a session write.
type SessionOp string

const (
	SessionCreate  SessionOp = "create"
	SessionDestroy SessionOp = "destroy"
)

// SessionRequest creates (with the ID chosen by the leader) or destroys
// (by Session.ID) a session.
type SessionRequest struct {
	WriteRequest
	Op      SessionOp
	Session Session
}

// SessionSpecificRequest reads one session (Session.Get) or renews it
// (Session.Renew).
type SessionSpecificRequest struct {
	QueryOptions
	SessionID string
}

// IndexedSessions answers the session reads and renewals.
type IndexedSessions struct {
	Sessions []*Session
	QueryMeta
}
