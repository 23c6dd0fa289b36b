package command

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
)

func operatorAutopilotSpec() spec {
	return spec{
		synopsis: "Provides tools for modifying Autopilot configuration",
		usage: `
Usage: concord operator autopilot <subcommand> [options]

  The Autopilot operator command is used to interact with concord's
  Autopilot subsystem: dead server cleanup, and the stabilization time a
  new server spends as a non-voter before it is promoted.
`,
	}
}

func autopilotGetSpec() spec {
	return spec{
		synopsis: "Display the current Autopilot configuration",
		usage: `
Usage: concord operator autopilot get-config [options]

  Displays the current Autopilot configuration.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := serverFlags(fs)
			return func([]string) int { return c.autopilotGet(h) }
		},
	}
}

func (c *cli) autopilotGet(h *httpFlags) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	conf, err := client.Operator().AutopilotGetConfiguration(h.query())
	if err != nil {
		c.errorf("Error querying Autopilot configuration: %s", err)
		return 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CleanupDeadServers = %v\n", conf.CleanupDeadServers)
	fmt.Fprintf(&b, "LastContactThreshold = %v\n", conf.LastContactThreshold)
	fmt.Fprintf(&b, "MaxTrailingLogs = %v\n", conf.MaxTrailingLogs)
	fmt.Fprintf(&b, "MinQuorum = %v\n", conf.MinQuorum)
	fmt.Fprintf(&b, "ServerStabilizationTime = %v", conf.ServerStabilizationTime)
	c.out(b.String())
	return 0
}

func autopilotSetSpec() spec {
	return spec{
		synopsis: "Modify the current Autopilot configuration",
		usage: `
Usage: concord operator autopilot set-config [options]

  Modifies the current Autopilot configuration. Only the options given
  change; the update is a check-and-set against the configuration read
  just before, so two operators cannot overwrite each other.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var o autopilotFlags
			fs.Var(&o.cleanup, "cleanup-dead-servers", "Controls whether Autopilot removes dead servers (true or false).")
			fs.Var(&o.lastContact, "last-contact-threshold", "How long a server may go without contact with the leader before it is unhealthy, e.g. 200ms.")
			fs.Var(&o.trailing, "max-trailing-logs", "How many log entries a server may trail the leader by before it is unhealthy.")
			fs.Var(&o.minQuorum, "min-quorum", "The number of voters below which dead servers are no longer removed.")
			fs.Var(&o.stabilization, "server-stabilization-time", "How long a new server must be healthy before it is promoted to voter, e.g. 10s.")
			fs.Var(&o.unused, "redundancy-zone-tag", "Accepted for compatibility; concord has no redundancy zones.")
			fs.Var(&o.unused, "disable-upgrade-migration", "Accepted for compatibility; concord has no upgrade migrations.")
			fs.Var(&o.unused, "upgrade-version-tag", "Accepted for compatibility; concord has no upgrade migrations.")
			h := serverFlags(fs)
			return func([]string) int { return c.autopilotSet(h, &o) }
		},
	}
}

// optionalValue is a flag that remembers whether it was given.
type optionalValue struct {
	set   bool
	raw   string
	parse func(string) error
}

func (v *optionalValue) String() string { return v.raw }
func (v *optionalValue) Set(s string) error {
	if v.parse != nil {
		if err := v.parse(s); err != nil {
			return err
		}
	}
	v.set, v.raw = true, s
	return nil
}

type autopilotFlags struct {
	cleanup, lastContact, trailing, minQuorum, stabilization, unused optionalValue
}

// apply changes conf for every flag given.
func (o *autopilotFlags) apply(conf *api.AutopilotConfiguration) error {
	if o.cleanup.set {
		switch strings.ToLower(o.cleanup.raw) {
		case "true", "1":
			conf.CleanupDeadServers = true
		case "false", "0":
			conf.CleanupDeadServers = false
		default:
			return fmt.Errorf("-cleanup-dead-servers must be true or false, not %q", o.cleanup.raw)
		}
	}
	dur := func(v optionalValue, name string, dst **api.ReadableDuration) error {
		if !v.set {
			return nil
		}
		d, err := time.ParseDuration(v.raw)
		if err != nil || d < 0 {
			return fmt.Errorf("-%s must be a duration such as 10s, not %q", name, v.raw)
		}
		*dst = api.NewReadableDuration(d)
		return nil
	}
	if err := dur(o.lastContact, "last-contact-threshold", &conf.LastContactThreshold); err != nil {
		return err
	}
	if err := dur(o.stabilization, "server-stabilization-time", &conf.ServerStabilizationTime); err != nil {
		return err
	}
	if o.trailing.set {
		if _, err := fmt.Sscanf(o.trailing.raw, "%d", &conf.MaxTrailingLogs); err != nil {
			return fmt.Errorf("-max-trailing-logs must be a number, not %q", o.trailing.raw)
		}
	}
	if o.minQuorum.set {
		if _, err := fmt.Sscanf(o.minQuorum.raw, "%d", &conf.MinQuorum); err != nil {
			return fmt.Errorf("-min-quorum must be a number, not %q", o.minQuorum.raw)
		}
	}
	return nil
}

func (c *cli) autopilotSet(h *httpFlags, o *autopilotFlags) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	op := client.Operator()
	conf, err := op.AutopilotGetConfiguration(h.query())
	if err != nil {
		c.errorf("Error querying Autopilot configuration: %s", err)
		return 1
	}
	if err := o.apply(conf); err != nil {
		c.errorf("Error parsing flags: %s", err)
		return 1
	}
	ok, err := op.AutopilotCASConfiguration(conf, nil)
	if err != nil {
		c.errorf("Error setting Autopilot configuration: %s", err)
		return 1
	}
	if !ok {
		c.errorf("Configuration could not be atomically updated, please try again")
		return 1
	}
	c.out("Configuration updated!")
	return 0
}

func autopilotStateSpec() spec {
	return spec{
		synopsis: "Display the current Autopilot state",
		usage: `
Usage: concord operator autopilot state [options]

  Displays the leader's current Autopilot state: the cluster's health,
  its failure tolerance, and each server's role, health and log position.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := serverFlags(fs)
			return func([]string) int { return c.autopilotState(h) }
		},
	}
}

func (c *cli) autopilotState(h *httpFlags) int {
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	st, err := client.Operator().AutopilotState(h.query())
	if err != nil {
		c.errorf("Error querying Autopilot state: %s", err)
		return 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Healthy:                      %v\n", st.Healthy)
	fmt.Fprintf(&b, "Failure Tolerance:            %d\n", st.FailureTolerance)
	fmt.Fprintf(&b, "Optimistic Failure Tolerance: %d\n", st.OptimisticFailureTolerance)
	fmt.Fprintf(&b, "Leader:                       %s\n", st.Leader)
	b.WriteString("Voters:\n")
	for _, v := range st.Voters {
		fmt.Fprintf(&b, "   %s\n", v)
	}
	b.WriteString("\nServers:")
	ids := make([]string, 0, len(st.Servers))
	for id := range st.Servers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := st.Servers[id]
		fmt.Fprintf(&b, "\n   %s\n", id)
		fmt.Fprintf(&b, "      Name:            %s\n", s.Name)
		fmt.Fprintf(&b, "      Address:         %s\n", s.Address)
		fmt.Fprintf(&b, "      Version:         %s\n", s.Version)
		fmt.Fprintf(&b, "      Status:          %s\n", s.Status)
		fmt.Fprintf(&b, "      Node Type:       %s\n", s.NodeType)
		fmt.Fprintf(&b, "      Node Status:     %s\n", s.NodeStatus)
		fmt.Fprintf(&b, "      Healthy:         %v\n", s.Healthy)
		fmt.Fprintf(&b, "      Last Contact:    %s\n", s.LastContact)
		fmt.Fprintf(&b, "      Last Term:       %d\n", s.LastTerm)
		fmt.Fprintf(&b, "      Last Index:      %d", s.LastIndex)
	}
	c.out(b.String())
	return 0
}
