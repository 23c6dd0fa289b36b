// Package bench is concord-bench's engine: a load generator for any
// Consul-compatible HTTP API, in the spirit of etcd's tools/benchmark.
//
// Every subcommand is a function RunX(ctx, Options) (*Report, error)
// (RunKVPut, RunKVGet, RunWatch, RunRegister, RunFailover) so that tests
// can drive a fake, a `concord agent -dev` or a real cluster directly;
// Main only parses flags into Options and prints the Report as a table
// or one JSON object.
//
// The load is plain net/http: one tuned Transport per run (HTTP/1.1, no
// per-host connection cap, as many idle connections kept as there are
// clients), so every client owns its connection and nothing in a client
// library queues or retries behind the numbers. Clients are spread
// round-robin over the -addr list.
//
// Latencies go into per-client log-linear histograms (128 sub-buckets
// per power of two, quantile error below 0.4%, exact min/max/mean)
// merged at the end; watch's fan-out percentiles over its N watchers are
// exact (a sorted sample). At the end of -duration the op cycles under
// way finish and count (a write cut short would leave the server's state
// unknown); Ctrl-C aborts them and they are dropped. Failed requests are
// counted as ops and errors, and the first five distinct messages kept.
//
// watch cannot see when the agent has parked a blocking query, so a
// watcher counts as parked once its request is written (httptrace
// WroteRequest), and the write waits -settle (500 ms) after the last one.
package bench
