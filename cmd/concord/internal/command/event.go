package command

import (
	"flag"
	"regexp"

	"github.com/hashicorp/consul/api"
)

func eventSpec() spec {
	return spec{
		synopsis: "Fire a new event",
		usage: `
Usage: concord event [options] [payload]

  Dispatches a custom user event across the datacenter. An event must have
  a name; it may also carry a payload and be limited to the agents whose
  node name, services or service tags match regular expressions.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var name, node, service, tag string
			fs.StringVar(&name, "name", "", "Name of the event.")
			fs.StringVar(&node, "node", "", "Regular expression to filter on node names.")
			fs.StringVar(&service, "service", "", "Regular expression to filter on service "+
				"instances.")
			fs.StringVar(&tag, "tag", "", "Regular expression to filter on service tags. "+
				"Must be used with -service.")
			h := clientFlags(fs)
			return func(args []string) int {
				if name == "" {
					c.errorf("Event name must be specified")
					c.errorf("")
					c.errorf("%s", c.verbHelp("event"))
					return 1
				}
				for _, f := range []struct{ what, expr string }{{"node", node}, {"service", service}, {"tag", tag}} {
					if f.expr == "" {
						continue
					}
					if _, err := regexp.Compile(f.expr); err != nil {
						c.errorf("Failed to compile %s filter regexp: %v", f.what, err)
						return 1
					}
				}
				if tag != "" && service == "" {
					c.errorf("Cannot provide tag filter without service filter.")
					return 1
				}
				var payload []byte
				switch len(args) {
				case 0:
				case 1:
					payload = []byte(args[0])
				default:
					c.errorf("Too many command line arguments.")
					c.errorf("")
					c.errorf("%s", c.verbHelp("event"))
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				if _, err := client.Agent().NodeName(); err != nil {
					c.errorf("Error querying Consul agent: %s", err)
					return 1
				}
				id, _, err := client.Event().Fire(&api.UserEvent{
					Name: name, Payload: payload,
					NodeFilter: node, ServiceFilter: service, TagFilter: tag,
				}, nil)
				if err != nil {
					c.errorf("Error firing event: %s", err)
					return 1
				}
				c.out("Event ID: " + id)
				return 0
			}
		},
	}
}
