package rpc

import (
	"io"
	"time"

	"github.com/hashicorp/yamux"
)

// yamuxConfig is shared by both ends. The accept backlog is large because
// thousands of blocking queries may open streams at once; keepalives find
// half-open connections to dead servers.
func yamuxConfig() *yamux.Config {
	c := yamux.DefaultConfig()
	c.AcceptBacklog = 8192
	c.EnableKeepAlive = true
	c.KeepAliveInterval = 10 * time.Second
	c.ConnectionWriteTimeout = 10 * time.Second
	c.StreamCloseTimeout = 30 * time.Second
	c.LogOutput = io.Discard
	c.Logger = nil
	return c
}
