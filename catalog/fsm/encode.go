package fsm

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// MessageType is the first byte of every Raft command and says how to
// decode the rest. The values are part of the Raft log format: never
// renumber them.
type MessageType uint8

const (
	RegisterRequestType   MessageType = 0 // *catalog.RegisterRequest
	DeregisterRequestType MessageType = 1 // *catalog.DeregisterRequest
	KVSRequestType        MessageType = 2 // *catalog.KVRequest
	TxnRequestType        MessageType = 3 // *catalog.TxnRequest
	TombstoneRequestType  MessageType = 4 // *TombstoneRequest
	ACLRequestType        MessageType = 5 // *catalog.ACLRequest
	SessionRequestType    MessageType = 6 // *catalog.SessionRequest
	// 7 is left for the autopilot configuration.
	CoordinateBatchUpdateType MessageType = 8 // catalog.Coordinates
	PreparedQueryRequestType  MessageType = 9 // *catalog.PreparedQueryRequest
	// AutopilotRequestType is always sent with IgnoreUnknownTypeFlag: a
	// server that does not know it keeps the default configuration.
	AutopilotRequestType MessageType = 7 // *catalog.AutopilotSetRequest

	// IgnoreUnknownTypeFlag marks a command that servers which do not know
	// its type may skip instead of panicking. A new command type that is
	// safe to lose on old servers sets it, so a rolling upgrade can start
	// using it before every server understands it.
	IgnoreUnknownTypeFlag MessageType = 128
)

// TombstoneRequest asks every server to reap the KV tombstones at or below
// ReapIndex. It goes through Raft so all servers forget the same ones.
type TombstoneRequest struct {
	ReapIndex uint64
}

// msgpackHandle is shared by every encoder and decoder in this package so
// codec's per-type reflection cache is built once. It is set up here and
// never modified afterwards, which is what makes sharing it safe.
var msgpackHandle = newMsgpackHandle()

func newMsgpackHandle() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	// Strings and []byte stay distinct on the wire, and schemaless maps
	// decode with string keys, as in hashicorp/raft's and Consul's handles.
	h.WriteExt = true
	h.RawToString = true
	h.MapType = reflect.TypeOf(map[string]interface{}(nil))
	return h
}

// Encode builds a Raft command: the type byte, then msg in msgpack.
func Encode(t MessageType, msg interface{}) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(byte(t))
	if err := codec.NewEncoder(&buf, msgpackHandle).Encode(msg); err != nil {
		return nil, fmt.Errorf("encoding message type %d: %w", t, err)
	}
	return buf.Bytes(), nil
}

// Decode reads a msgpack body into out. buf is the body alone, without the
// type byte Encode prepends: Decode(cmd[1:], &req).
func Decode(buf []byte, out interface{}) (err error) {
	if len(buf) == 0 {
		return errors.New("decoding: empty message")
	}
	// The codec already turns its own panics into errors; this also covers
	// anything it lets through, since a malformed command must never take
	// down the state machine.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoding: %v", r)
		}
	}()
	return codec.NewDecoderBytes(buf, msgpackHandle).Decode(out)
}
