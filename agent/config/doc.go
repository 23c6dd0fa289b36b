// Package config builds the agent's runtime configuration from Consul's
// agent flags and config files.
//
// # Sources and precedence
//
// A configuration is built from, lowest to highest precedence:
//
//  1. the defaults (DefaultConfig; -dev changes some of them),
//  2. the files named by -config-file and -config-dir, in the order they
//     appear on the command line; a directory's files are read in lexical
//     order,
//  3. the command-line flags.
//
// A later source overrides an earlier one's scalar values (strings, numbers,
// booleans). Lists are appended instead: retry_join, start_join, recursors,
// service/services and check/checks from every source are kept, in source
// order. node_meta maps are merged key by key.
//
// # File formats
//
// A file given with -config-file is parsed by its extension: .json as JSON,
// .yaml and .yml as YAML. Any other extension (Consul's tutorials use .conf)
// is parsed in the -config-format given, or as JSON when there is none. A
// file named .hcl is an error: HCL is not supported, and the file has to be
// converted to JSON or YAML. Inside a -config-dir only .json, .yaml and .yml
// files are read; .hcl files are an error for the same reason, and any other
// file or subdirectory is skipped, as Consul does.
//
// # Keys
//
// Files use Consul's snake_case keys. Top-level and nested block keys match
// case-insensitively ("Datacenter" is "datacenter"). Inside service and
// check definitions, Consul's PascalCase and camelCase spellings are accepted
// as well: underscores are ignored when matching, so "ServiceID",
// "serviceId" and "service_id" are one key.
//
// Durations are Go duration strings such as "10s" or "72h". Inside service
// and check definitions a number is accepted too and, as in Consul, counts
// nanoseconds.
//
// # Unknown key policy
//
// Every key in a file falls in one of three groups:
//
//   - A key concord implements is decoded. A value of the wrong type is an
//     error naming the file, the key path and the expected type.
//   - A key that Consul documents but concord does not implement yet (for
//     example telemetry.statsd_address, connect, dns_config.use_cache, limits.rpc_rate,
//     auto_config, tls.grpc, ports.grpc, ui_config.dir, or a service's
//     connect block) is ignored with a warning naming the file and the key:
//     `FILE: key "connect" is not supported yet and is ignored`. Consul's
//     own configuration files therefore keep loading while concord grows.
//     Such a key is not looked into: its value is not checked.
//   - Any other key is an error. The message names the file and the key path
//     (for example "ports.htp"), lists the keys concord implements at that
//     level, sorted and comma-separated, and suggests the closest known key
//     when it is only a small edit away.
//
// A null value leaves the key unset.
//
// Flags follow the same policy: concord's flags are listed in Usage; a
// Consul agent flag that concord does not implement yet is accepted with a
// warning; any other flag, or a flag with a bad value, is an error naming
// the flag and what it accepts.
//
// # TLS
//
// tls.defaults, tls.internal_rpc and tls.https take ca_file, ca_path,
// cert_file, key_file, tls_min_version, verify_incoming and
// verify_outgoing; internal_rpc also verify_server_hostname, which turns
// verify_outgoing on. A scope's own key wins over tls.defaults, which wins
// over Consul's older top-level keys (ca_file, ca_path, cert_file,
// key_file, tls_min_version, verify_incoming, verify_outgoing for every
// scope; verify_incoming_rpc and verify_server_hostname for internal_rpc;
// verify_incoming_https for https); each older key loads with a
// deprecation warning naming its replacement.
//
// # Validation
//
// Errors stop the load; every problem found is reported, joined with
// newlines. Warnings are returned next to the config for the agent to log:
// they cover ignored keys and flags, node names that DNS cannot serve,
// bootstrap settings Consul also warns about, and script checks in a
// configuration that does not enable script checks (the check still loads,
// so Consul's tutorial configs work, but it will not be run).
//
// The package keeps no package-level mutable state: every Load builds its
// own flag set, decoder and loader.
package config
