// Package rpc owns the server port: the listener that tells Raft from RPC by
// a connection's first byte, the RPC framing (one yamux stream per call,
// msgpack bodies), the client-side connection pool, and the Raft stream
// layer. Every connection between agents is dialed and accepted here, so
// TLS wraps one place.
package rpc
