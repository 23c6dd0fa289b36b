// Package zone builds an RFC 1035 zone of a catalog's healthy service
// instances for other DNS servers: SOA, NS, A/AAAA at SERVICE.ZONE, SRV
// at _SERVICE._tcp.ZONE. It owns the serial (it grows only when the
// records change), the damping of flapping instances (one must stay in
// its new state for MinStable before the zone follows), the NOTIFY sent
// to secondaries and the RFC 2136 updates pushed to a primary.
//
// It imports miekg/dns and no other concord package: the catalog is read
// through the Source its Publisher is given.
package zone
