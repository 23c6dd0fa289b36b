package command

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/consul/api"
)

func maintSpec() spec {
	return spec{
		synopsis: "Controls node or service maintenance mode",
		usage: `
Usage: concord maint [options]

  Places a node or service into maintenance mode. During maintenance mode,
  the node or service will be excluded from all queries through the DNS
  or API interfaces, effectively taking it out of the pool of available
  nodes. This is done by registering an additional critical health check.

  When enabling maintenance mode for a node or service, you may optionally
  specify a reason string. This string will appear in the "Notes" field
  of the critical health check which is registered against the node or
  service. If no reason is provided, a default value will be used.

  Maintenance mode is persistent, and will be restored in the event of an
  agent restart. It is therefore required to disable maintenance mode on
  a given node or service before it will be placed back into the pool.

  By default, we operate on the node as a whole. By specifying the
  "-service" argument, this behavior can be changed to enable or disable
  only a specific service.

  If no arguments are given, the agent's maintenance status will be shown.
  This will return blank if nothing is currently under maintenance.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var enable, disable bool
			var reason, serviceID string
			fs.BoolVar(&enable, "enable", false, "Enable maintenance mode.")
			fs.BoolVar(&disable, "disable", false, "Disable maintenance mode.")
			fs.StringVar(&reason, "reason", "", "Text describing the maintenance reason.")
			fs.StringVar(&serviceID, "service", "", "Control maintenance mode for a specific service ID.")
			h := clientFlags(fs)
			return func(args []string) int {
				if !c.noArgs(args) {
					return 1
				}
				switch {
				case enable && disable:
					c.errorf("Only one of -enable or -disable may be provided")
					return 1
				case !enable && reason != "":
					c.errorf("Reason may only be provided with -enable")
					return 1
				case !enable && !disable && serviceID != "":
					c.errorf("Service requires either -enable or -disable")
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				a := client.Agent()
				switch {
				case enable && serviceID == "":
					if err := a.EnableNodeMaintenance(reason); err != nil {
						c.errorf("Error enabling node maintenance: %s", err)
						return 1
					}
					c.out("Node maintenance is now enabled")
				case enable:
					if err := a.EnableServiceMaintenance(serviceID, reason); err != nil {
						c.errorf("Error enabling service maintenance: %s", err)
						return 1
					}
					c.out(fmt.Sprintf("Service maintenance is now enabled for %q", serviceID))
				case disable && serviceID == "":
					if err := a.DisableNodeMaintenance(); err != nil {
						c.errorf("Error disabling node maintenance: %s", err)
						return 1
					}
					c.out("Node maintenance is now disabled")
				case disable:
					if err := a.DisableServiceMaintenance(serviceID); err != nil {
						c.errorf("Error disabling service maintenance: %s", err)
						return 1
					}
					c.out(fmt.Sprintf("Service maintenance is now disabled for %q", serviceID))
				default:
					return c.listMaintenance(a)
				}
				return 0
			}
		},
	}
}

// listMaintenance prints the node and the services in maintenance, node
// first, as Consul's "maint" without flags does.
func (c *cli) listMaintenance(a *api.Agent) int {
	nodeName, err := a.NodeName()
	if err != nil {
		c.errorf("Error querying agent: %s", err)
		return 1
	}
	chks, err := a.Checks()
	if err != nil {
		c.errorf("Error getting checks: %s", err)
		return 1
	}
	ids := make([]string, 0, len(chks))
	for id := range chks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ck := chks[id]
		switch {
		case id == "_node_maintenance":
			c.out("Node:")
			c.out("  Name:   " + nodeName)
			c.out("  Reason: " + ck.Notes)
			c.out("")
		case strings.HasPrefix(id, "_service_maintenance:"):
			c.out("Service:")
			c.out("  ID:     " + ck.ServiceID)
			c.out("  Reason: " + ck.Notes)
			c.out("")
		}
	}
	return 0
}
