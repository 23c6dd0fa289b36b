// Package wan owns a server's view of the other datacenters: the WAN
// gossip pool that every server of every datacenter joins (Pool), and the
// Router that turns its membership into, for each datacenter, the servers
// a request for it may be sent to.
//
// The WAN pool is the LAN pool's machinery (package lan: member table,
// leave intents, tags, keyring) run with memberlist's WAN timings, member
// names "NODE.DC" and its own keyring file, as Consul runs serf twice.
// Only servers join it. The Router keeps, per remote datacenter, the RPC
// addresses of its alive servers (from their "port" tag), sticks to one
// and moves to the next when a call fails; a datacenter none of whose
// servers is alive is "No path to datacenter" (catalog.ErrUnknownDC), as
// in Consul.
//
// Faults (faults.go) is a test hook: a partition controller that a
// memberlist transport wrapper and an RPC dialer consult, so tests can cut
// a datacenter off without root or network namespaces.
package wan
