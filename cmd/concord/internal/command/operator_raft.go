package command

import (
	"flag"
	"fmt"
	"strconv"
)

func operatorSpec() spec {
	return spec{
		synopsis: "Provides cluster-level tools for concord operators",
		usage: `
Usage: concord operator <subcommand> [options]

  Provides cluster-level tools for concord operators, such as interacting with
  the Raft subsystem. NOTE: Use this command with extreme caution, as improper
  use could lead to a concord outage and even loss of data.

  Subcommands will require a management token when ACLs are enabled.
`,
	}
}

func operatorRaftSpec() spec {
	return spec{
		synopsis: "Provides cluster-level tools for concord operators",
		usage: `
Usage: concord operator raft <subcommand> [options]

  The Raft operator command is used to interact with concord's Raft subsystem.
  The command can be used to verify Raft peers or in rare cases to recover
  quorum by removing invalid peers.
`,
	}
}

func raftListPeersSpec() spec {
	return spec{
		synopsis: "Display the current Raft peer configuration",
		usage: `
Usage: concord operator raft list-peers [options]

  Displays the current Raft peer configuration.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := serverFlags(fs)
			return func([]string) int { return c.raftListPeers(h) }
		},
	}
}

func (c *cli) raftListPeers(h *httpFlags) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	reply, err := client.Operator().RaftGetConfiguration(h.query())
	if err != nil {
		c.errorf("Error getting peers: Failed to retrieve raft configuration: %v", err)
		return 1
	}

	var leaderIndex uint64
	for _, s := range reply.Servers {
		if s.Leader {
			leaderIndex = s.LastIndex
		}
	}
	t := newTable("Node", "ID", "Address", "State", "Voter", "RaftProtocol",
		"Commit Index", "Trails Leader By")
	for _, s := range reply.Servers {
		proto := s.ProtocolVersion
		if proto == "" {
			proto = "<=1"
		}
		state, trails := "follower", "-"
		if s.Leader {
			state = "leader"
		} else {
			// A follower that has already seen more than the leader's
			// answer reported trails by nothing, not by a wrapped number.
			var behind uint64
			if leaderIndex > s.LastIndex {
				behind = leaderIndex - s.LastIndex
			}
			trails = fmt.Sprintf("%d commits", behind)
			if behind == 1 {
				trails = "1 commit"
			}
		}
		t.add(s.Node, s.ID, s.Address, state, strconv.FormatBool(s.Voter), proto,
			strconv.FormatUint(s.LastIndex, 10), trails)
	}
	c.out(t.String())
	return 0
}

func raftRemovePeerSpec() spec {
	return spec{
		synopsis: "Remove a concord server from the Raft configuration",
		usage: `
Usage: concord operator raft remove-peer [options]

  Remove the concord server with given -address or -id from the Raft
  configuration.

  There are rare cases where a peer may be left behind in the Raft quorum even
  though the server is no longer present and known to the cluster. This command
  can be used to remove the failed server so that it no longer affects the Raft
  quorum. If the server still shows in the output of the "concord members"
  command, it is preferable to clean up by simply running "concord force-leave"
  instead of this command.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			address := fs.String("address", "", "The address to remove from the Raft configuration.")
			id := fs.String("id", "", "The ID to remove from the Raft configuration.")
			h := serverFlags(fs)
			return func([]string) int { return c.raftRemovePeer(h, *address, *id) }
		},
	}
}

func (c *cli) raftRemovePeer(h *httpFlags, address, id string) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	switch {
	case address == "" && id == "":
		err = fmt.Errorf("an address or id is required for the peer to remove")
	case address != "" && id != "":
		err = fmt.Errorf("cannot give both an address and id")
	case address != "":
		err = client.Operator().RaftRemovePeerByAddress(address, nil)
	default:
		err = client.Operator().RaftRemovePeerByID(id, nil)
	}
	if err != nil {
		c.errorf("Error removing peer: %v", err)
		return 1
	}
	if address != "" {
		c.out(fmt.Sprintf("Removed peer with address %q", address))
	} else {
		c.out(fmt.Sprintf("Removed peer with id %q", id))
	}
	return 0
}
