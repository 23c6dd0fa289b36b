package command

import "flag"

func reloadSpec() spec {
	return spec{
		synopsis: "Triggers the agent to reload configuration files",
		usage: `
Usage: concord reload [options]

  Causes the agent to reload configurations. This can be used instead
  of sending the SIGHUP signal to the agent.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := clientFlags(fs)
			return func(args []string) int {
				if !c.noArgs(args) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				if err := client.Agent().Reload(); err != nil {
					c.errorf("Error reloading: %s", err)
					return 1
				}
				c.out("Configuration reload triggered")
				return 0
			}
		},
	}
}
