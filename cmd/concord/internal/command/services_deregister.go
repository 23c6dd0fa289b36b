package command

import (
	"flag"

	"github.com/hashicorp/consul/api"
)

func servicesDeregisterSpec() spec {
	return spec{
		synopsis: "Deregister services with the local agent",
		usage: `
Usage: concord services deregister [options] [FILE...]

  Deregister one or more services that were previously registered with
  the local agent.

      $ concord services deregister web.json
      $ concord services deregister -id=web

  The -id flag may be used to deregister a single service by ID.
  Otherwise, one or more files may be specified containing the service
  definitions to deregister; their IDs (or names, when they have no ID)
  are deregistered.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var id string
			fs.StringVar(&id, "id", "", "ID to deregister. This must not be set if arguments are given.")
			h := clientFlags(fs)
			return func(args []string) int {
				svcs := []*api.AgentServiceRegistration{{ID: id}}
				switch {
				case len(args) == 0 && id == "":
					c.errorf("Service deregistration requires at least one argument or -id.")
					return 1
				case len(args) > 0 && id != "":
					c.errorf("Service deregistration requires arguments or -id, not both.")
					return 1
				case len(args) > 0:
					var err error
					if svcs, err = servicesFromFiles(args); err != nil {
						c.errorf("Error: %s", err)
						return 1
					}
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				for _, svc := range svcs {
					sid := svc.ID
					if sid == "" {
						sid = svc.Name
					}
					if sid == "" {
						continue
					}
					if err := client.Agent().ServiceDeregister(sid); err != nil {
						c.errorf("Error deregistering service %q: %s", sid, err)
						return 1
					}
					c.out("Deregistered service: " + sid)
				}
				return 0
			}
		},
	}
}
