package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// txnKVOpJSON is a KV operation as consul/api's KVTxnOp encodes it; Value
// is base64, which encoding/json decodes into the byte slice.
type txnKVOpJSON struct {
	Verb    catalog.KVOp
	Key     string
	Value   []byte
	Flags   uint64
	Index   uint64
	Session string
}

// txnOpJSON is one element of a PUT /v1/txn body. Node, service, check and
// session operations are recognised so they can be refused clearly.
type txnOpJSON struct {
	KV      *txnKVOpJSON
	Node    json.RawMessage
	Service json.RawMessage
	Check   json.RawMessage
	Session json.RawMessage
}

type txnResultJSON struct {
	KV *kvPairJSON
}

type txnErrorJSON struct {
	OpIndex int
	What    string
}

// txnResponseJSON is consul/api's TxnResponse: Results on success (200),
// Errors when the transaction rolled back (409).
type txnResponseJSON struct {
	Results []txnResultJSON
	Errors  []txnErrorJSON
}

// present reports whether an optional JSON member was given a value.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// txnBodyLimit bounds a transaction body: the usual JSON limit, but always
// room for one value of the largest size in base64.
func (s *Server) txnBodyLimit() int64 {
	limit := int64(MaxJSONBody)
	if floor := 2 * int64(s.cfg.MaxKVSize); limit < floor {
		limit = floor
	}
	return limit
}

// txn serves PUT /v1/txn: an all-or-nothing list of KV operations. A
// transaction that only reads accepts ?stale and ?consistent and reports
// leader headers; one that writes goes through Raft.
func (s *Server) txn(w http.ResponseWriter, r *http.Request) error {
	ops, writes, err := s.decodeTxn(w, r)
	if err != nil {
		return err
	}
	args := &catalog.TxnRequest{WriteRequest: s.writeRequest(r), Ops: ops}
	readOnly := writes == 0
	if readOnly {
		opts, err := s.queryOptions(r, false)
		if err != nil {
			return err
		}
		args.QueryOptions = opts
	} else {
		args.QueryOptions = catalog.QueryOptions{Datacenter: args.WriteRequest.Datacenter, Token: args.WriteRequest.Token}
	}

	var out catalog.TxnResponse
	if err := s.agent.RPC(r.Context(), catalog.MethodTxnApply, args, &out); err != nil {
		return err
	}
	if readOnly {
		setLeaderMeta(w, out.QueryMeta, args.QueryOptions)
	}

	var resp txnResponseJSON
	if len(out.Errors) > 0 {
		for _, e := range out.Errors {
			if e != nil {
				resp.Errors = append(resp.Errors, txnErrorJSON{OpIndex: e.OpIndex, What: e.What})
			}
		}
		return writeJSON(w, r, http.StatusConflict, resp)
	}
	for _, res := range out.Results {
		var item txnResultJSON
		if res != nil && res.KV != nil {
			item.KV = kvPair(res.KV)
		}
		resp.Results = append(resp.Results, item)
	}
	return writeJSON(w, r, http.StatusOK, resp)
}

// decodeTxn reads and validates a transaction body, returning the RPC
// operations and how many of them write.
func (s *Server) decodeTxn(w http.ResponseWriter, r *http.Request) (catalog.TxnOps, int, error) {
	var in []*txnOpJSON
	if err := readJSON(w, r, s.txnBodyLimit(), &in); err != nil {
		return nil, 0, err
	}
	if len(in) > catalog.MaxTxnOps {
		return nil, 0, tooLarge("Transaction contains too many operations (%d > %d)", len(in), catalog.MaxTxnOps)
	}
	ops := make(catalog.TxnOps, 0, len(in))
	writes := 0
	for i, op := range in {
		if op == nil {
			return nil, 0, badRequest("Operation %d is empty", i)
		}
		if present(op.Node) || present(op.Service) || present(op.Check) || present(op.Session) {
			return nil, 0, badRequest("Operation %d: only KV operations are supported in transactions yet", i)
		}
		kv := op.KV
		if kv == nil {
			return nil, 0, badRequest("Operation %d has no KV member", i)
		}
		if err := catalog.CheckKVKey(kv.Key); err != nil {
			return nil, 0, catalog.BadRequestIn(fmt.Sprintf("Operation %d", i), err)
		}
		if !kv.Verb.Valid() {
			return nil, 0, badRequest("Operation %d: unknown KV verb %q", i, kv.Verb)
		}
		switch kv.Verb {
		case catalog.KVLock, catalog.KVUnlock, catalog.KVCheckSession:
			if kv.Session == "" {
				return nil, 0, badRequest("Operation %d: %s needs a Session", i, kv.Verb)
			}
		}
		if len(kv.Value) > s.cfg.MaxKVSize {
			return nil, 0, tooLarge("Value for key %q is too large (%d > %d bytes)", kv.Key, len(kv.Value), s.cfg.MaxKVSize)
		}
		if kv.Verb.IsWrite() {
			writes++
		}
		value := kv.Value
		if len(value) == 0 {
			value = nil
		}
		ops = append(ops, &catalog.TxnOp{KV: &catalog.TxnKVOp{
			Verb: kv.Verb,
			Entry: catalog.KVEntry{
				Key:         kv.Key,
				Value:       value,
				Flags:       kv.Flags,
				ModifyIndex: kv.Index,
				Session:     kv.Session,
			},
		}})
	}
	return ops, writes, nil
}
