package wan

import (
	"slices"
	"sync"
)

// ServerSet is a failover list of server addresses: calls stick to one
// (so its connection is reused) and move to the next when it fails. A
// client agent keeps one for its own datacenter, the Router one per
// remote datacenter. Safe for concurrent use; the zero value is empty.
type ServerSet struct {
	// mu guards addrs and next.
	mu    sync.Mutex
	addrs []string
	next  int
}

// Set replaces the addresses, keeping the current choice when it is
// still among them, and returns the addresses that were in the set and
// are not any more.
func (s *ServerSet) Set(addrs []string) (gone []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := ""
	if len(s.addrs) > 0 {
		cur = s.addrs[s.next%len(s.addrs)]
	}
	for _, old := range s.addrs {
		if !slices.Contains(addrs, old) {
			gone = append(gone, old)
		}
	}
	s.addrs = append([]string(nil), addrs...)
	s.next = 0
	for i, a := range s.addrs {
		if a == cur {
			s.next = i
		}
	}
	return gone
}

// Pick returns the server to call, or "" when none is known.
func (s *ServerSet) Pick() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.addrs) == 0 {
		return ""
	}
	return s.addrs[s.next%len(s.addrs)]
}

// Ordered returns every address, the current choice first and the others
// in the order failover tries them.
func (s *ServerSet) Ordered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.addrs))
	for i := range s.addrs {
		out = append(out, s.addrs[(s.next+i)%len(s.addrs)])
	}
	return out
}

// Failed moves past addr, unless another caller already did.
func (s *ServerSet) Failed(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.addrs) > 0 && s.addrs[s.next%len(s.addrs)] == addr {
		s.next = (s.next + 1) % len(s.addrs)
	}
}

// Len is the number of addresses.
func (s *ServerSet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.addrs)
}
