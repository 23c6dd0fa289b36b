package lan

import "net"

// MemberStatus uses serf's numbering, which Consul's /v1/agent/members
// exposes as the integer Status field.
type MemberStatus int

const (
	StatusNone    MemberStatus = 0
	StatusAlive   MemberStatus = 1
	StatusLeaving MemberStatus = 2
	StatusLeft    MemberStatus = 3
	StatusFailed  MemberStatus = 4
)

func (s MemberStatus) String() string {
	switch s {
	case StatusAlive:
		return "alive"
	case StatusLeaving:
		return "leaving"
	case StatusLeft:
		return "left"
	case StatusFailed:
		return "failed"
	}
	return "none"
}

// Member is one agent of the pool as this agent sees it.
type Member struct {
	Name   string
	Addr   net.IP
	Port   uint16
	Tags   map[string]string
	Status MemberStatus

	// Protocol versions, reported as Consul reports serf's.
	ProtocolMin, ProtocolMax, ProtocolCur uint8
	DelegateMin, DelegateMax, DelegateCur uint8
}
