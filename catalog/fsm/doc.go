// Package fsm is concord's Raft state machine: it decodes committed commands into catalog/state writes, and snapshots and restores the whole store.
package fsm
