// Package wan routes requests to datacenters. Today it knows only the local
// datacenter; the WAN gossip pool of servers that federation brings feeds
// the same Router, so callers that route through it need no change.
package wan
