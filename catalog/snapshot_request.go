package catalog

// MaxSnapshotSize bounds a snapshot archive: the archive crosses the
// server port as one RPC message and is held in memory on the way.
const MaxSnapshotSize = 512 << 20

// SnapshotSaveRequest asks for an archive of the servers' state.
type SnapshotSaveRequest struct {
	QueryOptions
}

// SnapshotRestoreRequest replaces the servers' state with an archive.
type SnapshotRestoreRequest struct {
	WriteRequest
	Archive []byte
}

// SnapshotReply answers both snapshot methods: the archive saved (empty
// after a restore) and the Raft index it reflects or the restore reached.
type SnapshotReply struct {
	Archive []byte
	Index   uint64
	QueryMeta
}
