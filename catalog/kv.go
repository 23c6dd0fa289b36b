package catalog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKVSize is the largest value a KV entry may hold, as in Consul.
const MaxKVSize = 512 * 1024

// CheckKVKey refuses a key that no client could round-trip: one holding a
// NUL byte or invalid UTF-8. Every other key is stored verbatim, "a//b" and
// "a/../b" included: keys are opaque strings (ACL rules match them by raw
// prefix), not paths.
func CheckKVKey(key string) error {
	if i := strings.IndexByte(key, 0); i >= 0 {
		return BadRequestf(fmt.Sprintf("Invalid key %q: it contains a NUL byte at offset %d", key, i))
	}
	if !utf8.ValidString(key) {
		return BadRequestf(fmt.Sprintf("Invalid key %q: it is not valid UTF-8", key))
	}
	return nil
}

// KVEntry is one key in the KV store (Consul's DirEntry / KVPair).
type KVEntry struct {
	Key         string
	Flags       uint64
	Value       []byte
	Session     string `json:",omitempty"`
	LockIndex   uint64
	CreateIndex uint64
	ModifyIndex uint64
}

// KVOp names a KV operation, in Consul's spelling (the txn "Verb").
type KVOp string

// The KV verbs. The first group changes state and goes through Raft; the
// get verbs are only valid inside a transaction.
const (
	KVSet            KVOp = "set"
	KVDelete         KVOp = "delete"
	KVDeleteCAS      KVOp = "delete-cas"
	KVDeleteTree     KVOp = "delete-tree"
	KVCAS            KVOp = "cas"
	KVLock           KVOp = "lock"
	KVUnlock         KVOp = "unlock"
	KVGet            KVOp = "get"
	KVGetTree        KVOp = "get-tree"
	KVCheckSession   KVOp = "check-session"
	KVCheckIndex     KVOp = "check-index"
	KVCheckNotExists KVOp = "check-not-exists"
)

// IsWrite reports whether the verb changes state.
func (op KVOp) IsWrite() bool {
	switch op {
	case KVSet, KVDelete, KVDeleteCAS, KVDeleteTree, KVCAS, KVLock, KVUnlock:
		return true
	}
	return false
}

// Valid reports whether the verb is one concord knows.
func (op KVOp) Valid() bool {
	switch op {
	case KVSet, KVDelete, KVDeleteCAS, KVDeleteTree, KVCAS, KVLock, KVUnlock,
		KVGet, KVGetTree, KVCheckSession, KVCheckIndex, KVCheckNotExists:
		return true
	}
	return false
}
