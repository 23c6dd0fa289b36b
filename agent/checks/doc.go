// Package checks runs a concord agent's health checks.
//
// It owns one check's definition (Spec), its validation and defaults, the
// runners for each kind (HTTP, TCP, UDP, gRPC, script, TTL, alias), and
// the threshold filter between a runner and the agent. It owns no state
// beyond a running check's own: every result goes to a Notifier that the
// agent's local state implements, and alias checks read other services'
// health through an AliasSource that the agent provides. The package
// imports neither the agent nor its HTTP layer.
//
// Converting a config file's check definition (agent/config's
// CheckDefinition) or an API registration into a Spec is the agent's
// job; Spec carries every field either has. A config's legacy "script"
// string becomes Args {"/bin/sh", "-c", script}.
//
// Deregistering services whose check stays critical
// (DeregisterCriticalServiceAfter) is the local state's job too: the
// runners only carry the value.
package checks
