// Command concord-bench is a load generator for any Consul-compatible
// HTTP API: KV writes and reads, blocking-query fan-out, catalog
// registrations and leader failover. The work is in internal/bench,
// whose Run functions tests can call directly.
package main

import (
	"os"

	"github.com/concord-dev/concord/cmd/concord-bench/internal/bench"
)

func main() {
	os.Exit(bench.Main(os.Args[1:], os.Stdout, os.Stderr))
}
