package command

import (
	"flag"
	"fmt"
)

func joinSpec() spec {
	return spec{
		synopsis: "Tell concord agent to join cluster",
		usage: `
Usage: concord join [options] address ...

  Tells a running concord agent (with "concord agent") to join the cluster
  by specifying at least one existing member.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var wan bool
			fs.BoolVar(&wan, "wan", false, "Joins a server to another server in the WAN pool.")
			h := clientFlags(fs)
			return func(addrs []string) int {
				if len(addrs) == 0 {
					c.errorf("At least one address to join must be specified.")
					c.errorf("")
					c.errorf("%s", c.verbHelp("join"))
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				joins := 0
				for _, addr := range addrs {
					if err := client.Agent().Join(addr, wan); err != nil {
						c.errorf("Error joining address '%s': %s", addr, err)
						continue
					}
					joins++
				}
				if joins == 0 {
					c.errorf("Failed to join any nodes.")
					return 1
				}
				c.out(fmt.Sprintf("Successfully joined cluster by contacting %d nodes.", joins))
				return 0
			}
		},
	}
}
