package command

import (
	"flag"

	"github.com/hashicorp/consul/api"
)

func forceLeaveSpec() spec {
	return spec{
		synopsis: `Forces a member of the cluster to enter the "left" state`,
		usage: `
Usage: concord force-leave [options] name

  Forces a member of a concord cluster to enter the "left" state. Note
  that if the member is still actually alive, it will eventually rejoin
  the cluster. This command is most useful for cleaning out "failed" nodes
  that are never coming back. If you do not force leave a failed node,
  concord will attempt to reconnect to those failed nodes for some period of
  time before eventually reaping them.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var prune, wan bool
			fs.BoolVar(&prune, "prune", false, "Remove agent completely from list of members")
			fs.BoolVar(&wan, "wan", false, "Exclusively leave the agent from the WAN serf pool.")
			h := clientFlags(fs)
			return func(nodes []string) int {
				if len(nodes) != 1 {
					c.errorf("A single node name must be specified to force leave.")
					c.errorf("")
					c.errorf("%s", c.verbHelp("force-leave"))
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				opts := api.ForceLeaveOpts{Prune: prune, WAN: wan}
				if err := client.Agent().ForceLeaveOpts(nodes[0], opts); err != nil {
					c.errorf("Error force leaving: %s", err)
					return 1
				}
				return 0
			}
		},
	}
}
