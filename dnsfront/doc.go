// Package dnsfront answers DNS queries for the catalog: NAME.service,
// NODE.node, PTR, SOA and NS in the agent's domain, and forwards other
// names to the configured recursors. Queries pass through a chain of small
// handlers (validation, metrics, answer shaping, answer cache, catalog
// lookup, recursor), each with one job; the catalog is reached only
// through the narrow Lookup interface the agent implements.
package dnsfront
