// Package watches runs the agent's configured watches ("watches" in the
// config file): api/watch plans against the agent's own HTTP API, each
// handing every changed result to a script (JSON on stdin) or to an HTTP
// endpoint (JSON body), with the result's index in CONSUL_INDEX or the
// X-Consul-Index header.
package watches
