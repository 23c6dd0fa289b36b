package catalog

// TxnKVOp is one KV operation inside a transaction. Entry.ModifyIndex is the
// CAS index for cas, delete-cas and check-index.
type TxnKVOp struct {
	Verb  KVOp
	Entry KVEntry
}

// TxnOp is one operation of a transaction. Only KV is carried today; node,
// service and check operations take their own fields when they arrive.
type TxnOp struct {
	KV *TxnKVOp `json:",omitempty"`
}

// TxnOps is an ordered list of operations applied all or nothing.
type TxnOps []*TxnOp

// TxnResult is the outcome of one operation that returns data.
type TxnResult struct {
	KV *KVEntry `json:",omitempty"`
}

// TxnError names the operation (by position) that made a transaction roll
// back and why.
type TxnError struct {
	OpIndex int
	What    string
}

func (e TxnError) Error() string { return e.What }

// MaxTxnOps bounds a transaction, as Consul does, so one request cannot hold
// the state machine for long.
const MaxTxnOps = 128
