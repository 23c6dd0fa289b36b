package state

import (
	"fmt"
	"reflect"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

// Table names. The FSM persists tables by these names, so they are part of
// the snapshot format and must not be renamed.
const (
	TableNodes           = "nodes"
	TableServices        = "services"
	TableChecks          = "checks"
	TableKVs             = "kvs"
	TableTombstones      = "tombstones"
	TableIndex           = "index"
	TableSessions        = "sessions"
	TableCoordinates     = "coordinates"
	TableACLTokens       = "acl_tokens"
	TableACLPolicies     = "acl_policies"
	TableACLRoles        = "acl_roles"
	TablePreparedQueries = "prepared_queries"
	TableLockDelays      = "lock_delays"
)

const (
	indexID          = "id"
	indexUUID        = "uuid"
	indexNode        = "node"
	indexService     = "service"
	indexNodeService = "node_service"
	indexStatus      = "status"
	indexReap        = "reap"
	indexSecret      = "secret"
	indexName        = "name"
	indexSession     = "session"
	indexUntil       = "until"
)

// IndexEntry is a row of the index table: the last Raft index that changed
// a table, a service name ("service.<name>") or the tombstone graveyard.
type IndexEntry struct {
	Key   string
	Value uint64
}

// Tombstone remembers the index at which a KV key was deleted, so that a
// read of the key or of a prefix above it keeps reporting a rising index
// after the entry itself is gone.
type Tombstone struct {
	Key   string
	Index uint64
}

// LockDelay is a row of the lock_delays table: no session may acquire Key
// before UntilUnixNano. The instant comes from the Raft command that
// invalidated the key's session, never from the applying server's clock,
// so every server stores the same row.
type LockDelay struct {
	Key           string
	UntilUnixNano int64
}

// tableDef ties a table's schema to the Go type of its rows, which restore
// needs to decode a persisted row and to refuse a row of the wrong type.
type tableDef struct {
	schema *memdb.TableSchema
	newRow func() interface{}
}

// tableDefs is built on each call instead of living in a package variable so
// that no caller can alter the schema another store uses.
func tableDefs() []tableDef {
	return []tableDef{
		{nodesSchema(), func() interface{} { return new(catalog.Node) }},
		{servicesSchema(), func() interface{} { return new(catalog.ServiceNode) }},
		{checksSchema(), func() interface{} { return new(catalog.HealthCheck) }},
		{kvsSchema(), func() interface{} { return new(catalog.KVEntry) }},
		{tombstonesSchema(), func() interface{} { return new(Tombstone) }},
		{sessionsSchema(), func() interface{} { return new(catalog.Session) }},
		{idTable(TableCoordinates, "Node", true), func() interface{} { return new(catalog.Coordinate) }},
		{aclTokensSchema(), func() interface{} { return new(catalog.ACLToken) }},
		{namedTable(TableACLPolicies), func() interface{} { return new(catalog.ACLPolicy) }},
		{namedTable(TableACLRoles), func() interface{} { return new(catalog.ACLRole) }},
		{preparedQueriesSchema(), func() interface{} { return new(catalog.PreparedQuery) }},
		{idTable(TableIndex, "Key", false), func() interface{} { return new(IndexEntry) }},
		{lockDelaysSchema(), func() interface{} { return new(LockDelay) }},
		{autopilotSchema(), func() interface{} { return new(AutopilotRow) }},
	}
}

// Tables lists every table, in the order snapshots write them.
func Tables() []string {
	defs := tableDefs()
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.schema.Name
	}
	return names
}

// NewRow returns a pointer to an empty row of table, for a snapshot reader
// to decode into before handing it to Restore.Insert.
func NewRow(table string) (interface{}, error) {
	for _, d := range tableDefs() {
		if d.schema.Name == table {
			return d.newRow(), nil
		}
	}
	return nil, fmt.Errorf("unknown table %q", table)
}

func rowType(table string) (reflect.Type, error) {
	row, err := NewRow(table)
	if err != nil {
		return nil, err
	}
	return reflect.TypeOf(row), nil
}

func schema() *memdb.DBSchema {
	db := &memdb.DBSchema{Tables: make(map[string]*memdb.TableSchema)}
	for _, d := range tableDefs() {
		db.Tables[d.schema.Name] = d.schema
	}
	return db
}

func idTable(name, field string, lowercase bool) *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: name,
		Indexes: map[string]*memdb.IndexSchema{
			indexID: {
				Name:    indexID,
				Unique:  true,
				Indexer: &memdb.StringFieldIndex{Field: field, Lowercase: lowercase},
			},
		},
	}
}

func nodesSchema() *memdb.TableSchema {
	t := idTable(TableNodes, "Node", true)
	t.Indexes[indexUUID] = &memdb.IndexSchema{
		Name:         indexUUID,
		Unique:       true,
		AllowMissing: true,
		Indexer:      &memdb.UUIDFieldIndex{Field: "ID"},
	}
	return t
}

func servicesSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: TableServices,
		Indexes: map[string]*memdb.IndexSchema{
			indexID: {
				Name:   indexID,
				Unique: true,
				Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Node", Lowercase: true},
					&memdb.StringFieldIndex{Field: "ServiceID"},
				}},
			},
			indexNode: {
				Name:    indexNode,
				Indexer: &memdb.StringFieldIndex{Field: "Node", Lowercase: true},
			},
			indexService: {
				Name:    indexService,
				Indexer: &memdb.StringFieldIndex{Field: "ServiceName", Lowercase: true},
			},
		},
	}
}

func checksSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: TableChecks,
		Indexes: map[string]*memdb.IndexSchema{
			indexID: {
				Name:   indexID,
				Unique: true,
				Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Node", Lowercase: true},
					&memdb.StringFieldIndex{Field: "CheckID"},
				}},
			},
			indexNode: {
				Name:    indexNode,
				Indexer: &memdb.StringFieldIndex{Field: "Node", Lowercase: true},
			},
			// Node-level checks have no ServiceID; they are simply absent
			// from the indexes that key on the service.
			indexNodeService: {
				Name:         indexNodeService,
				AllowMissing: true,
				Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Node", Lowercase: true},
					&memdb.StringFieldIndex{Field: "ServiceID"},
				}},
			},
			indexService: {
				Name:         indexService,
				AllowMissing: true,
				Indexer:      &memdb.StringFieldIndex{Field: "ServiceName", Lowercase: true},
			},
			indexStatus: {
				Name:    indexStatus,
				Indexer: &memdb.StringFieldIndex{Field: "Status"},
			},
		},
	}
}

// kvsSchema keys entries by their exact, case-sensitive key; the radix tree
// under the id index is what answers prefix reads and prefix watches. The
// session index finds the keys a session holds when it ends.
func kvsSchema() *memdb.TableSchema {
	t := idTable(TableKVs, "Key", false)
	t.Indexes[indexSession] = &memdb.IndexSchema{
		Name:         indexSession,
		AllowMissing: true,
		Indexer:      &memdb.StringFieldIndex{Field: "Session"},
	}
	return t
}

// sessionsSchema finds a session by ID and a node's sessions by node.
func sessionsSchema() *memdb.TableSchema {
	t := idTable(TableSessions, "ID", false)
	t.Indexes[indexNode] = &memdb.IndexSchema{
		Name:    indexNode,
		Indexer: &memdb.StringFieldIndex{Field: "Node", Lowercase: true},
	}
	return t
}

// lockDelaysSchema orders delays by key and by expiry, so expired rows are
// found without a scan.
func lockDelaysSchema() *memdb.TableSchema {
	t := idTable(TableLockDelays, "Key", false)
	t.Indexes[indexUntil] = &memdb.IndexSchema{
		Name:    indexUntil,
		Indexer: &memdb.IntFieldIndex{Field: "UntilUnixNano"},
	}
	return t
}

// tombstonesSchema orders tombstones by key (for prefix reads) and by
// index (so the reaper finds what is due without a scan).
func tombstonesSchema() *memdb.TableSchema {
	t := idTable(TableTombstones, "Key", false)
	t.Indexes[indexReap] = &memdb.IndexSchema{
		Name:    indexReap,
		Indexer: &memdb.UintFieldIndex{Field: "Index"},
	}
	return t
}

// aclTokensSchema finds a token by accessor (operators) and by secret
// (every request).
func aclTokensSchema() *memdb.TableSchema {
	t := idTable(TableACLTokens, "AccessorID", false)
	t.Indexes[indexSecret] = &memdb.IndexSchema{
		Name:    indexSecret,
		Unique:  true,
		Indexer: &memdb.StringFieldIndex{Field: "SecretID"},
	}
	return t
}

// namedTable is an ACL table keyed by ID with unique names.
func namedTable(name string) *memdb.TableSchema {
	t := idTable(name, "ID", false)
	t.Indexes[indexName] = &memdb.IndexSchema{
		Name:    indexName,
		Unique:  true,
		Indexer: &memdb.StringFieldIndex{Field: "Name", Lowercase: true},
	}
	return t
}

// preparedQueriesSchema finds a query by ID, by its case-insensitive
// unique name (templates included: a template's name is its prefix), and
// by the session whose end deletes it.
func preparedQueriesSchema() *memdb.TableSchema {
	t := idTable(TablePreparedQueries, "ID", false)
	t.Indexes[indexName] = &memdb.IndexSchema{
		Name:         indexName,
		Unique:       true,
		AllowMissing: true,
		Indexer:      &memdb.StringFieldIndex{Field: "Name", Lowercase: true},
	}
	t.Indexes[indexSession] = &memdb.IndexSchema{
		Name:         indexSession,
		AllowMissing: true,
		Indexer:      &memdb.StringFieldIndex{Field: "Session"},
	}
	return t
}
