package command

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/config"
)

func servicesSpec() spec {
	return spec{
		synopsis: "Interact with services",
		usage: `
Usage: concord services <subcommand> [options] [args]

  This command has subcommands for interacting with services. The subcommands
  default to working with services registered with the local agent.

  To register a simple service:

      $ concord services register -name=web

  To register a service from a configuration file:

      $ concord services register web.json

  To deregister a service:

      $ concord services deregister web.json
      $ concord services deregister -id=web

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ", ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// servicesFromFiles reads the service definitions of every file, in
// order, as registrations for the agent API.
func servicesFromFiles(paths []string) ([]*api.AgentServiceRegistration, error) {
	var out []*api.AgentServiceRegistration
	for _, p := range paths {
		defs, err := config.ServicesFromFile(p)
		if err != nil {
			return nil, err
		}
		for _, d := range defs {
			reg, err := registrationOf(d)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", p, err)
			}
			out = append(out, reg)
		}
	}
	return out, nil
}

// registrationOf converts a config file's service definition.
func registrationOf(d config.ServiceDefinition) (*api.AgentServiceRegistration, error) {
	reg := &api.AgentServiceRegistration{
		ID:                d.ID,
		Name:              d.Name,
		Tags:              d.Tags,
		Port:              d.Port,
		Address:           d.Address,
		EnableTagOverride: d.EnableTagOverride,
		Meta:              d.Meta,
		Weights:           &api.AgentWeights{Passing: d.Weights.Passing, Warning: d.Weights.Warning},
	}
	for _, ck := range d.Checks {
		if ck.Script != "" {
			return nil, fmt.Errorf("check %q: the single-string script check is not supported; use args", ck.ID)
		}
		reg.Checks = append(reg.Checks, &api.AgentServiceCheck{
			CheckID:                        ck.ID,
			Name:                           ck.Name,
			Notes:                          ck.Notes,
			Args:                           ck.Args,
			HTTP:                           ck.HTTP,
			Method:                         ck.Method,
			Header:                         ck.Header,
			Body:                           ck.Body,
			TLSSkipVerify:                  ck.TLSSkipVerify,
			TCP:                            ck.TCP,
			UDP:                            ck.UDP,
			GRPC:                           ck.GRPC,
			TTL:                            durationString(ck.TTL),
			AliasNode:                      ck.AliasNode,
			AliasService:                   ck.AliasService,
			Interval:                       durationString(ck.Interval),
			Timeout:                        durationString(ck.Timeout),
			DeregisterCriticalServiceAfter: durationString(ck.DeregisterCriticalServiceAfter),
			Status:                         ck.Status,
		})
	}
	return reg, nil
}

// durationString is d as the agent API takes it, "" when unset.
func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
