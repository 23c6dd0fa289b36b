package catalog

// MethodEventFire fires a user event into the LAN pool of the request's
// datacenter: a server of another datacenter receives it forwarded and
// gossips it to its own agents (/v1/event/fire?dc=). Events carry an ID
// that pools de-duplicate by, so a retried call does not fire twice.
const MethodEventFire = "Internal.EventFire" // *EventFireRequest, *EventFireReply

// EventFireRequest is one user event to fire, already given its ID by the
// agent that took it; the token needs event:write on Name where it lands.
type EventFireRequest struct {
	WriteRequest
	ID            string
	Name          string
	Payload       []byte
	NodeFilter    string
	ServiceFilter string
	TagFilter     string
	Version       int
}

// EventFireReply is the event's Lamport time in the pool it was fired in.
type EventFireReply struct {
	LTime uint64
}
