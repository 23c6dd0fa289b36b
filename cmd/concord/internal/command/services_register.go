package command

import (
	"flag"

	"github.com/hashicorp/consul/api"
)

func servicesRegisterSpec() spec {
	return spec{
		synopsis: "Register services with the local agent",
		usage: `
Usage: concord services register [options] [FILE...]

  Register one or more services using the local agent API. Services can
  be registered from standard concord configuration files (JSON or YAML)
  or using flags. The service is registered and the command returns. The
  caller must remember to call "concord services deregister" or a similar
  API to deregister the service when complete.

      $ concord services register web.json

  Additional flags and more advanced use cases are detailed below.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var id, name, address string
			var port int
			var tags stringList
			meta := nodeMeta{}
			fs.StringVar(&id, "id", "", "ID of the service to register for arg-based registration. "+
				"If this isn't set, it will default to the -name value.")
			fs.StringVar(&name, "name", "", "Name of the service to register for arg-based registration.")
			fs.StringVar(&address, "address", "", "Address of the service to register for arg-based registration.")
			fs.IntVar(&port, "port", 0, "Port of the service to register for arg-based registration.")
			fs.Var(&tags, "tag", "Tag to add to the service. This flag can be specified "+
				"multiple times to set multiple tags.")
			fs.Var(meta, "meta", "Metadata to set on the service, formatted as key=value. "+
				"This flag may be specified multiple times to set multiple meta fields.")
			h := clientFlags(fs)
			return func(args []string) int {
				svcs := []*api.AgentServiceRegistration{{
					ID: id, Name: name, Address: address, Port: port, Tags: tags,
				}}
				if len(meta) > 0 {
					svcs[0].Meta = meta
				}
				switch {
				case len(args) == 0 && name == "":
					c.errorf("Service registration requires at least one argument or flags.")
					return 1
				case len(args) > 0 && name != "":
					c.errorf("Service registration requires arguments or -id, not both.")
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
					if err := client.Agent().ServiceRegister(svc); err != nil {
						c.errorf("Error registering service %q: %s", svc.Name, err)
						return 1
					}
					c.out("Registered service: " + svc.Name)
				}
				return 0
			}
		},
	}
}
