// Package catalog defines the objects concord replicates (nodes, services,
// checks, KV entries) and the request and response types that carry them
// between the HTTP layer, the server RPC layer and the Raft state machine.
//
// It holds data shapes and sentinel errors only; the indexed store lives in
// catalog/state and the Raft state machine in catalog/fsm. Field names follow
// Consul's JSON wire contract, so the types encode to the bodies Consul's API
// documents.
package catalog
