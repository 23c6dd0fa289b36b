// Package server is a concord server: it runs the datacenter's Raft quorum
// over the catalog state machine, serves the RPC endpoints (forwarding
// writes and leader reads to the leader, blocking queries on the local
// store), and carries the leader's duties: bootstrap, and reconciling the
// LAN pool into the catalog and the Raft configuration.
package server
