// Package lan owns a datacenter's LAN gossip pool: which agents are members,
// whether each is alive, failed or left, and the tags each advertises
// (role, datacenter, RPC port, Raft version) so clients find servers and
// servers find each other without static lists. It is built on
// hashicorp/memberlist.
//
// memberlist detects failures and spreads node meta (our tags, see
// tags.go) but forgets dead nodes and, in v0.6.0, does not tell a graceful
// leave from a failure in its leave notification. Pool therefore keeps its
// own member table (alive, leaving, failed, left, until reaped) and gossips
// small intent messages through memberlist's user broadcasts
// (broadcast.go):
//
//   - a leave intent, sent by a node as it leaves (members mark it leaving,
//     then left when memberlist reports it gone) or by any member to
//     force-leave a failed node (failed becomes left everywhere);
//   - a join intent, sent by a node after it joins and to refute a leave
//     intent about itself.
//
// A failed member is tried again now and then (reconnect.go, serf's
// reconnector), since memberlist stops gossiping to the dead after a
// while and two sides of a healed partition would otherwise stay apart.
//
// Intents carry a Lamport time, exchanged on every push/pull too, and a
// member ignores intents no newer than the last one it applied to that
// member, so an old force-leave cannot mark a node left after it rejoined.
//
// Gossip encryption uses memberlist's keyring, kept in a file across
// restarts. Keyring operations (keyring.go) are not gossiped: the agent
// that runs one sends a request to each live member over memberlist's
// reliable user messages and collects their answers by request ID.
package lan
