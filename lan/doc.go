// Package lan owns a datacenter's LAN gossip pool: which agents are members,
// whether each is alive, failed or left, and the tags each advertises
// (role, datacenter, RPC port, Raft version) so clients find servers and
// servers find each other without static lists. It is built on
// hashicorp/memberlist.
package lan
