// Package local is the agent's own node: the services and checks this
// agent is the source of truth for, the check runners that keep their
// status current, their persistence in the data directory, and
// anti-entropy, which keeps the catalog equal to them.
//
// Every entry carries whether the catalog is known to match it. A change
// marks the entry out of sync and wakes the syncer, which pushes it at
// once; a periodic full sync reads the node's catalog entry and marks
// whatever differs (changed or removed behind the agent's back, or lost
// in a failed write) so the next push repairs it. A full sync that finds
// nothing different writes nothing.
package local
