// Package agent composes a running concord agent from its parts: the LAN
// pool, the server port and connection pool, the Raft server (in server
// mode), and the HTTP API. It is the only package that knows all of them;
// each part knows only the narrow interfaces it consumes.
package agent
