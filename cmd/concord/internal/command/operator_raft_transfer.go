package command

import (
	"flag"
)

func raftTransferLeaderSpec() spec {
	return spec{
		synopsis: "Transfer Raft leadership to another server",
		usage: `
Usage: concord operator raft transfer-leader [options]

  Asks the current leader to hand leadership over: to the voter with the
  given -id, or without -id to the voter Raft finds most up to date. The
  command returns once the transfer is done or has failed.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			id := fs.String("id", "", "The ID of the server to transfer leadership to (optional).")
			h := serverFlags(fs)
			return func([]string) int { return c.raftTransferLeader(h, *id) }
		},
	}
}

func (c *cli) raftTransferLeader(h *httpFlags, id string) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	reply, err := client.Operator().RaftLeaderTransfer(id, h.query())
	if err != nil {
		c.errorf("Error transferring leadership: %v", err)
		return 1
	}
	if !reply.Success {
		c.errorf("Error transferring leadership: the leader reported no success")
		return 1
	}
	c.out("Leadership transfer done.")
	return 0
}
