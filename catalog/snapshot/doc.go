// Package snapshot writes and verifies the archives that /v1/snapshot
// saves and restores: a gzip'd tar of meta.json (Raft's snapshot
// metadata), state.bin (the state machine's snapshot bytes) and
// SHA256SUMS over both. It knows nothing of Raft's stores or the state
// machine's format; it only moves and checks bytes.
package snapshot
