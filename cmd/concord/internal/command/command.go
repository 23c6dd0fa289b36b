// Package command implements concord's CLI verbs (all but "agent" and
// "validate", which main supplies through Env.Extra). Every verb speaks the
// HTTP API through github.com/hashicorp/consul/api, and its flags, output and
// messages follow Consul's CLI.
package command

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Command is a verb main can plug into the table.
type Command struct {
	Synopsis string
	Run      func(args []string) int
}

// Env is everything a verb touches outside the process: streams, the
// environment and the build identity.
type Env struct {
	Stdout, Stderr io.Writer
	// Stdin feeds "kv put KEY -" and "kv import -". Nil reads as empty.
	Stdin io.Reader
	// Getenv is os.Getenv in production; tests pass a map lookup.
	Getenv func(string) string
	// Extra holds verbs main provides ("agent", "validate"); they are merged
	// into the table and into help, and win over a built-in of the same name.
	Extra    map[string]Command
	Version  string
	Revision string
}

// spec is one verb of the table. A verb with a nil build is a parent
// ("kv", "operator raft"): run alone it prints its help and subcommands.
type spec struct {
	synopsis string
	usage    string
	// build registers the verb's flags on fs and returns its body, which
	// receives the positional arguments left after flag parsing.
	build func(c *cli, fs *flag.FlagSet) func(args []string) int
}

func builtins() map[string]spec {
	return map[string]spec{
		"members":                       membersSpec(),
		"monitor":                       monitorSpec(),
		"join":                          joinSpec(),
		"leave":                         leaveSpec(),
		"force-leave":                   forceLeaveSpec(),
		"keygen":                        keygenSpec(),
		"keyring":                       keyringSpec(),
		"kv":                            kvSpec(),
		"kv put":                        kvPutSpec(),
		"kv get":                        kvGetSpec(),
		"kv delete":                     kvDeleteSpec(),
		"kv export":                     kvExportSpec(),
		"kv import":                     kvImportSpec(),
		"catalog":                       catalogSpec(),
		"debug":                         debugSpec(),
		"catalog datacenters":           catalogDatacentersSpec(),
		"catalog nodes":                 catalogNodesSpec(),
		"catalog services":              catalogServicesSpec(),
		"operator":                      operatorSpec(),
		"operator raft":                 operatorRaftSpec(),
		"operator raft list-peers":      raftListPeersSpec(),
		"operator raft remove-peer":     raftRemovePeerSpec(),
		"operator raft transfer-leader": raftTransferLeaderSpec(),
		"operator autopilot":            operatorAutopilotSpec(),
		"operator autopilot get-config": autopilotGetSpec(),
		"operator autopilot set-config": autopilotSetSpec(),
		"operator autopilot state":      autopilotStateSpec(),
		"snapshot":                      snapshotSpec(),
		"snapshot save":                 snapshotSaveSpec(),
		"snapshot restore":              snapshotRestoreSpec(),
		"snapshot inspect":              snapshotInspectSpec(),
		"services":                      servicesSpec(),
		"services register":             servicesRegisterSpec(),
		"services deregister":           servicesDeregisterSpec(),
		"maint":                         maintSpec(),
		"lock":                          lockSpec(),
		"watch":                         watchSpec(),
		"event":                         eventSpec(),
		"reload":                        reloadSpec(),
		"info":                          infoSpec(),
		"version":                       versionSpec(),
		"tls":                           tlsSpec(),
		"tls ca":                        tlsCASpec(),
		"tls ca create":                 tlsCACreateSpec(),
		"tls cert":                      tlsCertSpec(),
		"tls cert create":               tlsCertCreateSpec(),
		"acl":                           aclSpec(),
		"acl bootstrap":                 aclBootstrapSpec(),
		"acl set-agent-token":           aclSetAgentTokenSpec(),
		"acl policy":                    aclPolicySpec(),
		"acl policy create":             aclPolicyCreateSpec(),
		"acl policy list":               aclPolicyListSpec(),
		"acl policy read":               aclPolicyReadSpec(),
		"acl policy update":             aclPolicyUpdateSpec(),
		"acl policy delete":             aclPolicyDeleteSpec(),
		"acl token":                     aclTokenSpec(),
		"acl token create":              aclTokenCreateSpec(),
		"acl token list":                aclTokenListSpec(),
		"acl token read":                aclTokenReadSpec(),
		"acl token update":              aclTokenUpdateSpec(),
		"acl token delete":              aclTokenDeleteSpec(),
		"acl token clone":               aclTokenCloneSpec(),
		"acl role":                      aclRoleSpec(),
		"acl role create":               aclRoleCreateSpec(),
		"acl role list":                 aclRoleListSpec(),
		"acl role read":                 aclRoleReadSpec(),
		"acl role update":               aclRoleUpdateSpec(),
		"acl role delete":               aclRoleDeleteSpec(),
		"template":                      templateSpec(),
		"zone":                          zoneSpec(),
		"zone export":                   zoneExportSpec(),
		"rtt":                           rttSpec(),
	}
}

// cli is one invocation: the environment and the verb table.
type cli struct {
	env   Env
	specs map[string]spec
	extra map[string]Command
}

// out writes one line to stdout, as Consul's UI.Output does.
func (c *cli) out(s string) { fmt.Fprintln(c.env.Stdout, s) }

// errorf writes one line to stderr, as Consul's UI.Error does.
func (c *cli) errorf(format string, a ...interface{}) {
	fmt.Fprintf(c.env.Stderr, format+"\n", a...)
}

// Run executes the verb named by args (os.Args[1:]) and returns the exit
// code.
func Run(args []string, env Env) int {
	c := newCLI(env)

	// Flags before the verb: version and help are handled here, anything
	// else is a mistake, as Consul's CLI says.
	i := 0
	help := false
	var stray []string
	for ; i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--"; i++ {
		switch args[i] {
		case "-v", "-version", "--version":
			return c.dispatch("version", nil)
		case "-h", "-help", "--help":
			help = true
		default:
			stray = append(stray, args[i])
		}
	}
	rest := args[i:]
	if len(rest) > 0 && rest[0] == "help" {
		help, rest = true, rest[1:]
	}
	if len(stray) > 0 {
		c.errorf("Invalid flags before the subcommand. If these flags are for\n" +
			"the subcommand, please put them after the subcommand.\n")
		fmt.Fprintln(c.env.Stderr, c.topHelp())
		return 1
	}
	if len(rest) == 0 {
		if help {
			fmt.Fprintln(c.env.Stdout, c.topHelp())
			return 0
		}
		fmt.Fprintln(c.env.Stderr, c.topHelp())
		return 1
	}

	name, n := c.lookup(rest)
	if name == "" {
		c.errorf("Unknown command: %q\n", rest[0])
		fmt.Fprintln(c.env.Stderr, c.topHelp())
		return 1
	}
	verbArgs := rest[n:]
	if help {
		verbArgs = append([]string{"-h"}, verbArgs...)
	}
	return c.dispatch(name, verbArgs)
}

func newCLI(env Env) *cli {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	c := &cli{env: env, specs: builtins(), extra: map[string]Command{}}
	for name, cmd := range env.Extra {
		delete(c.specs, name)
		c.extra[name] = cmd
	}
	return c
}

// lookup finds the longest verb name made of the leading words of args, as
// Consul's CLI matches nested commands, and says how many words it used.
func (c *cli) lookup(args []string) (string, int) {
	best, used := "", 0
	for n := 1; n <= len(args); n++ {
		name := strings.Join(args[:n], " ")
		if _, ok := c.specs[name]; ok {
			best, used = name, n
		} else if _, ok := c.extra[name]; ok {
			best, used = name, n
		}
	}
	return best, used
}

// dispatch runs one verb with the arguments after its name.
func (c *cli) dispatch(name string, args []string) int {
	if cmd, ok := c.extra[name]; ok {
		return cmd.Run(args)
	}
	s := c.specs[name]
	if s.build == nil {
		// A parent: its help and subcommands; asking for it is no error.
		fmt.Fprintln(c.env.Stdout, c.verbHelp(name))
		if wantsHelp(args) {
			return 0
		}
		return 1
	}
	if wantsHelp(args) {
		fmt.Fprintln(c.env.Stdout, c.verbHelp(name))
		return 0
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.Usage = func() { fmt.Fprintln(c.env.Stderr, c.verbHelp(name)) }
	body := s.build(c, fs)
	if err := fs.Parse(args); err != nil {
		return 1
	}
	return body(fs.Args())
}

// wantsHelp reports a help flag anywhere before "--", as Consul's CLI
// checks.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// topHelp lists the top-level verbs like Consul's "consul" with no verb.
func (c *cli) topHelp() string {
	syn := map[string]string{}
	for name, s := range c.specs {
		if !strings.Contains(name, " ") {
			syn[name] = s.synopsis
		}
	}
	for name, cmd := range c.extra {
		if !strings.Contains(name, " ") {
			syn[name] = cmd.Synopsis
		}
	}
	var b strings.Builder
	b.WriteString("Usage: concord [--version] [--help] <command> [<args>]\n\n")
	b.WriteString("Available commands are:\n")
	b.WriteString(listSynopses(syn))
	return b.String()
}

// listSynopses aligns "    name    synopsis" lines, names sorted.
func listSynopses(syn map[string]string) string {
	names := make([]string, 0, len(syn))
	width := 0
	for name := range syn {
		names = append(names, name)
		if len(name) > width {
			width = len(name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "    %-*s    %s\n", width, name, syn[name])
	}
	return b.String()
}

// verbHelp is a verb's usage text, its flags, and its direct subcommands.
func (c *cli) verbHelp(name string) string {
	s := c.specs[name]
	var fs *flag.FlagSet
	if s.build != nil {
		fs = flag.NewFlagSet(name, flag.ContinueOnError)
		s.build(c, fs)
	}
	text := usageText(s.usage, fs)
	sub := map[string]string{}
	for other, o := range c.specs {
		if rest, ok := strings.CutPrefix(other, name+" "); ok && !strings.Contains(rest, " ") {
			sub[rest] = o.synopsis
		}
	}
	if len(sub) > 0 {
		text += "\n\nSubcommands:\n" + strings.TrimSuffix(listSynopses(sub), "\n")
	}
	return text
}
