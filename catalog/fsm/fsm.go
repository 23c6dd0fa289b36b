package fsm

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// FSM applies committed Raft commands to a state.Store.
//
// hashicorp/raft never calls Apply, Snapshot and Restore concurrently with
// each other, but readers call State from any goroutine, so the store
// pointer, which Restore swaps, sits behind a lock.
type FSM struct {
	logger hclog.Logger

	mu    sync.RWMutex
	state *state.Store

	// configIndex is the Raft index of the newest configuration entry
	// applied; raft's own GetConfiguration does not report it.
	configIndex atomic.Uint64

	applied appliedIndex
}

var _ raft.ConfigurationStore = (*FSM)(nil)

// New returns an FSM over an empty store. A nil logger discards output.
func New(logger hclog.Logger) (*FSM, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	st, err := state.New()
	if err != nil {
		return nil, err
	}
	return &FSM{logger: logger.Named("fsm"), state: st}, nil
}

// State is the current store. After a Restore it is a new store and the
// old one is abandoned, so callers should not hold on to it across calls.
func (f *FSM) State() *state.Store {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state
}

// Apply applies one committed log entry and returns what the command's
// caller receives from raft's ApplyFuture.Response: nil or an error for
// catalog writes, a bool or an error for KV writes, a *catalog.TxnResponse
// for transactions.
//
// A command of unknown type panics unless it carries IgnoreUnknownTypeFlag:
// applying the rest of the log without it would leave this server's state
// silently different from its peers', which is worse than stopping.
func (f *FSM) Apply(l *raft.Log) interface{} {
	resp := f.applyTo(f.State(), l)
	f.applied.set(l.Index)
	return resp
}

func (f *FSM) applyTo(st *state.Store, l *raft.Log) interface{} {
	if l.Type != raft.LogCommand {
		return nil
	}
	if len(l.Data) == 0 {
		return fmt.Errorf("command at index %d is empty", l.Index)
	}
	t := MessageType(l.Data[0])
	ignoreUnknown := t&IgnoreUnknownTypeFlag != 0
	t &^= IgnoreUnknownTypeFlag
	body := l.Data[1:]

	switch t {
	case RegisterRequestType:
		return applyRegister(st, l.Index, l.AppendedAt, body)
	case DeregisterRequestType:
		return applyDeregister(st, l.Index, l.AppendedAt, body)
	case KVSRequestType:
		return applyKVS(st, l.Index, body)
	case TxnRequestType:
		return applyTxn(st, l.Index, body)
	case TombstoneRequestType:
		return applyTombstone(st, body)
	case ACLRequestType:
		return applyACL(st, l.Index, body)
	case SessionRequestType:
		return applySession(st, l.Index, l.AppendedAt, body)
	case CoordinateBatchUpdateType:
		return applyCoordinates(st, l.Index, body)
	case PreparedQueryRequestType:
		return applyPreparedQuery(st, l.Index, body)
	case AutopilotRequestType:
		return applyAutopilot(st, l.Index, body)
	}
	if ignoreUnknown {
		f.logger.Warn("skipping command of unknown type", "type", uint8(t), "index", l.Index)
		return nil
	}
	panic(fmt.Errorf("fsm: command at index %d has unknown type %d", l.Index, uint8(t)))
}

// Writes that may end sessions take the instant the leader appended the
// entry (raft.Log.AppendedAt, replicated with it) as "now" for the
// lock-delay, so every server computes the same expiry.

func applyRegister(st *state.Store, idx uint64, now time.Time, body []byte) interface{} {
	var req catalog.RegisterRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("register request: %w", err)
	}
	return st.EnsureRegistration(idx, now, &req)
}

func applyDeregister(st *state.Store, idx uint64, now time.Time, body []byte) interface{} {
	var req catalog.DeregisterRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("deregister request: %w", err)
	}
	switch {
	case req.ServiceID != "":
		return st.DeleteService(idx, now, req.Node, req.ServiceID)
	case req.CheckID != "":
		return st.DeleteCheck(idx, now, req.Node, req.CheckID)
	default:
		return st.DeleteNode(idx, now, req.Node)
	}
}

func applyKVS(st *state.Store, idx uint64, body []byte) interface{} {
	var req catalog.KVRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("KV request: %w", err)
	}
	switch req.Op {
	case catalog.KVSet:
		return trueOrErr(st.KVSet(idx, &req.Entry))
	case catalog.KVCAS:
		return boolOrErr(st.KVSetCAS(idx, &req.Entry))
	case catalog.KVDelete:
		return trueOrErr(st.KVDelete(idx, req.Entry.Key))
	case catalog.KVDeleteCAS:
		return boolOrErr(st.KVDeleteCAS(idx, req.Entry.ModifyIndex, req.Entry.Key))
	case catalog.KVDeleteTree:
		return trueOrErr(st.KVDeleteTree(idx, req.Entry.Key))
	case catalog.KVLock:
		return boolOrErr(st.KVLock(idx, &req.Entry))
	case catalog.KVUnlock:
		return boolOrErr(st.KVUnlock(idx, &req.Entry))
	}
	return fmt.Errorf("invalid KV operation %q", req.Op)
}

// trueOrErr and boolOrErr shape KV results as Consul's KVS.Apply does: the
// caller reads a bool unless the write failed outright.
func trueOrErr(err error) interface{} {
	if err != nil {
		return err
	}
	return true
}

func boolOrErr(ok bool, err error) interface{} {
	if err != nil {
		return err
	}
	return ok
}

func applyTxn(st *state.Store, idx uint64, body []byte) interface{} {
	var req catalog.TxnRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("txn request: %w", err)
	}
	results, errs := st.TxnRW(idx, req.Ops)
	return &catalog.TxnResponse{Results: results, Errors: errs}
}

// applySession answers a create with nil or an error, a destroy likewise.
func applySession(st *state.Store, idx uint64, now time.Time, body []byte) interface{} {
	var req catalog.SessionRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("session request: %w", err)
	}
	switch req.Op {
	case catalog.SessionCreate:
		return st.SessionCreate(idx, &req.Session)
	case catalog.SessionDestroy:
		return st.SessionDestroy(idx, now, req.Session.ID)
	}
	return fmt.Errorf("invalid session operation %q", req.Op)
}

func applyCoordinates(st *state.Store, idx uint64, body []byte) interface{} {
	var updates catalog.Coordinates
	if err := Decode(body, &updates); err != nil {
		return fmt.Errorf("coordinate batch: %w", err)
	}
	return st.CoordinateBatchUpdate(idx, updates)
}

func applyPreparedQuery(st *state.Store, idx uint64, body []byte) interface{} {
	var req catalog.PreparedQueryRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("prepared query request: %w", err)
	}
	switch req.Op {
	case catalog.PreparedQueryCreate, catalog.PreparedQueryUpdate:
		return st.PreparedQuerySet(idx, &req.Query)
	case catalog.PreparedQueryDelete:
		return st.PreparedQueryDelete(idx, req.Query.ID)
	}
	return fmt.Errorf("invalid prepared query operation %q", req.Op)
}

// applyAutopilot answers whether the configuration was written (false
// when a check-and-set lost).
func applyAutopilot(st *state.Store, idx uint64, body []byte) interface{} {
	var req catalog.AutopilotSetRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("autopilot request: %w", err)
	}
	return boolOrErr(st.AutopilotSetConfig(idx, &req.Config, req.CAS))
}

func applyTombstone(st *state.Store, body []byte) interface{} {
	var req TombstoneRequest
	if err := Decode(body, &req); err != nil {
		return fmt.Errorf("tombstone request: %w", err)
	}
	return st.ReapTombstones(req.ReapIndex)
}

// StoreConfiguration records the index of a committed configuration
// change; raft calls it from the goroutine that applies the log.
func (f *FSM) StoreConfiguration(index uint64, _ raft.Configuration) {
	for {
		cur := f.configIndex.Load()
		if index <= cur || f.configIndex.CompareAndSwap(cur, index) {
			return
		}
	}
}

// ConfigurationIndex is the index of the newest configuration entry
// applied since start, or 0 when the only one came with a snapshot.
func (f *FSM) ConfigurationIndex() uint64 { return f.configIndex.Load() }
