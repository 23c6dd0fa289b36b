// Package state is concord's indexed, watchable replicated state: go-memdb tables whose every write carries a Raft index and whose every read reports the index it reflects and the watch channels that fire when its answer changes.
package state
