package catalog

import (
	"errors"
	"strings"
)

// Sentinel errors that cross the RPC boundary. The RPC layer sends an error
// as its text and turns a known text back into the sentinel on the caller's
// side, so callers compare with errors.Is on either side of the wire. The
// texts are Consul's where Consul has one.
var (
	ErrNoLeader         = errors.New("No cluster leader")
	ErrNoServers        = errors.New("No known Consul servers")
	ErrUnknownDC        = errors.New("No path to datacenter")
	ErrPermissionDenied = errors.New("Permission denied")
	ErrNotFound         = errors.New("Not found")
	ErrRateLimited      = errors.New("rate limit exceeded")
	ErrNotReady         = errors.New("server is not ready to serve consistent reads")
	// ErrACLDisabled answers ACL endpoints where ACLs are off (HTTP 401).
	ErrACLDisabled = errors.New("ACL support disabled")
	// ErrACLNotFound answers a request whose token does not exist (403).
	ErrACLNotFound = errors.New(ACLNotFoundText)
)

var sentinels = []error{ErrNoLeader, ErrNoServers, ErrUnknownDC, ErrPermissionDenied, ErrNotFound, ErrRateLimited, ErrNotReady, ErrACLDisabled, ErrACLNotFound}

// badRequestPrefix marks an error caused by the caller's input, so that the
// HTTP layer answers 400 however many hops the error crossed.
const badRequestPrefix = "Bad request: "

// BadRequest is an error in the caller's input.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return badRequestPrefix + e.Msg }

// BadRequestf builds a BadRequest.
func BadRequestf(msg string) error { return &BadRequest{Msg: msg} }

// BadRequestIn reports err as a bad request found in part of the input
// ("operation 2"): the message says "Bad request" once, however err was
// built.
func BadRequestIn(where string, err error) error {
	msg := err.Error()
	var br *BadRequest
	if errors.As(err, &br) {
		msg = br.Msg
	}
	return &BadRequest{Msg: where + ": " + msg}
}

// IsBadRequest reports whether err, or one it wraps, is a BadRequest.
func IsBadRequest(err error) bool {
	var br *BadRequest
	return errors.As(err, &br)
}

// ErrorFromWire rebuilds an error received as text over RPC, restoring
// sentinels and BadRequest so errors.Is and IsBadRequest keep working.
func ErrorFromWire(s string) error {
	if s == "" {
		return nil
	}
	for _, e := range sentinels {
		if s == e.Error() {
			return e
		}
		// A sentinel wrapped with context on the far side keeps its
		// identity: "No path to datacenter: dc2".
		if rest, ok := strings.CutPrefix(s, e.Error()); ok && (rest[0] == ':' || rest[0] == ' ') {
			return &wireError{msg: s, is: e}
		}
	}
	if strings.HasPrefix(s, badRequestPrefix) {
		return &BadRequest{Msg: strings.TrimPrefix(s, badRequestPrefix)}
	}
	return errors.New(s)
}

type wireError struct {
	msg string
	is  error
}

func (e *wireError) Error() string { return e.msg }
func (e *wireError) Unwrap() error { return e.is }
