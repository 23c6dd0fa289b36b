// Package tls secures the agent's connections: it turns the tls {} config
// scopes (internal_rpc for the server port, https for the HTTP API) into
// crypto/tls configurations, reloads certificates without a restart, and
// is the built-in certificate authority behind "concord tls ca create" and
// "concord tls cert create".
//
// The package is named tls, like crypto/tls; importers alias it:
//
//	ctls "github.com/concord-dev/concord/tls"
//
// It imports no other concord package.
package tls
