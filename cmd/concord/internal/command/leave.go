package command

import "flag"

func leaveSpec() spec {
	return spec{
		synopsis: "Gracefully leaves the concord cluster and shuts down",
		usage: `
Usage: concord leave [options]

  Causes the agent to gracefully leave the concord cluster and shutdown.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := clientFlags(fs)
			return func(args []string) int {
				if len(args) > 0 {
					c.errorf("Error found unexpected args: %v", args)
					c.out(c.verbHelp("leave"))
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				if err := client.Agent().Leave(); err != nil {
					c.errorf("Error leaving: %s", err)
					return 1
				}
				c.out("Graceful leave complete")
				return 0
			}
		},
	}
}
