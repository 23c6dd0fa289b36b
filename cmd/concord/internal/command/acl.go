package command

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/hashicorp/consul/api"
)

// The "acl" verbs: bootstrap, set-agent-token, and the policy, token and
// role families. Output is Consul's: the pretty formats of its ACL
// formatters, or indented JSON with -format json.

func aclSpec() spec {
	return spec{
		synopsis: "Interact with concord's ACLs",
		usage: `
Usage: concord acl <subcommand> [options] [args]

  This command has subcommands for interacting with concord's ACLs.
  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Bootstrap ACLs:

      $ concord acl bootstrap

  List all ACL tokens:

      $ concord acl token list

  Create a new ACL policy:

      $ concord acl policy create -name "new-policy" \
                                  -description "This is an example policy" \
                                  -datacenter "dc1" \
                                  -datacenter "dc2" \
                                  -rules @rules.hcl

  Set the default agent token:

      $ concord acl set-agent-token default 0bc6bc46-f25e-4262-b2d9-ffbe1d96be6f

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// outputFormat registers -format (pretty or json).
func outputFormat(fs *flag.FlagSet) *string {
	return fs.String("format", "pretty", "Output format {pretty|json}")
}

// showMetaFlag registers -meta.
func showMetaFlag(fs *flag.FlagSet, what string) *bool {
	return fs.Bool("meta", false, "Indicates that "+what+" metadata such as the "+
		"content hash and raft indices should be shown for each entry")
}

// printFormatted prints v as JSON, or pretty() for the pretty format, as
// Consul's formatters do; ok is false after an unknown format.
func (c *cli) printFormatted(format string, v interface{}, pretty func() string) bool {
	switch format {
	case "pretty":
		c.out(pretty())
	case "json":
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			c.errorf("Failed to marshal: %v", err)
			return false
		}
		c.out(string(b))
	default:
		c.errorf("Unknown format: %s", format)
		return false
	}
	return true
}

// checkFormat reports an unknown -format before any request is made.
func (c *cli) checkFormat(format string) bool {
	if format != "pretty" && format != "json" {
		c.errorf("Unknown format: %s", format)
		return false
	}
	return true
}

func aclBootstrapSpec() spec {
	return spec{
		synopsis: "Bootstrap concord's ACL system",
		usage: `
Usage: concord acl bootstrap [options]

  The bootstrap command will request concord to generate a new token with
  unlimited privileges to use for management purposes and output its
  details. This can only be done once and afterwards bootstrapping will be
  disabled. If all tokens are lost and you need to bootstrap again you can
  follow the bootstrap reset procedure.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func(args []string) int {
				if len(args) > 0 {
					c.errorf("Should have no non-flag arguments.")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				t, _, err := client.ACL().Bootstrap()
				if err != nil {
					c.errorf("Failed ACL bootstrapping: %v", err)
					return 1
				}
				c.printToken(*format, t, false)
				return 0
			}
		},
	}
}

func aclSetAgentTokenSpec() spec {
	return spec{
		synopsis: "Assign tokens for the concord agent's usage",
		usage: `
Usage: concord acl set-agent-token [options] TYPE TOKEN

  This command will set the corresponding token for the agent to use. If
  token persistence is not enabled, then tokens uploaded this way are not
  persisted and if the agent reloads then the tokens will need to be set
  again.

  Token Types:

    default                           The default token is the token that
                                      the agent will use for both internal
                                      agent operations and operations
                                      initiated by the HTTP and DNS
                                      interfaces when no specific token is
                                      provided.

    agent                             This is the token that the agent will
                                      use for internal agent operations.

    recovery                          This sets the token that can be used
                                      to access the Agent APIs in the event
                                      that the ACL datacenter cannot be
                                      reached.

    replication                       This is the token that the agent will
                                      use for replication operations.

    config_file_service_registration  This is the token that the agent uses
                                      to register services and checks
                                      defined in config files.

    dns                               This is the token that the agent will
                                      use for DNS operations.

  Set the default token:

      $ concord acl set-agent-token default c4d0f8df-3aba-4ab6-a7a0-35b760dc29a1
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := clientFlags(fs)
			return func(args []string) int { return c.aclSetAgentToken(h, args) }
		},
	}
}

func (c *cli) aclSetAgentToken(h *httpFlags, args []string) int {
	switch {
	case len(args) < 2:
		c.errorf("Error! Missing TYPE and TOKEN arguments")
		return 1
	case len(args) > 2:
		c.errorf("Error! Too many arguments (expected 2, got %d)", len(args))
		return 1
	}
	kind := args[0]
	token, err := loadData(args[1], c.env.Stdin)
	if err != nil {
		c.errorf("Error! %v", err)
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	agent := client.Agent()
	switch kind {
	case "default":
		_, err = agent.UpdateDefaultACLToken(token, nil)
	case "agent":
		_, err = agent.UpdateAgentACLToken(token, nil)
	case "recovery", "agent_recovery":
		_, err = agent.UpdateAgentRecoveryACLToken(token, nil)
	case "master", "agent_master":
		_, err = agent.UpdateAgentMasterACLToken(token, nil)
	case "replication":
		_, err = agent.UpdateReplicationACLToken(token, nil)
	case "config_file_service_registration":
		_, err = agent.UpdateConfigFileRegistrationToken(token, nil)
	case "dns":
		_, err = agent.UpdateDNSToken(token, nil)
	default:
		c.errorf("Unknown token type")
		return 1
	}
	if err != nil {
		c.errorf("Failed to set ACL token %q: %v", kind, err)
		return 1
	}
	c.out(fmt.Sprintf("ACL token %q set successfully", kind))
	return 0
}

// parseServiceIdentities reads -service-identity values: NAME or
// NAME:DC1,DC2.
func parseServiceIdentities(vals []string) ([]*api.ACLServiceIdentity, error) {
	var out []*api.ACLServiceIdentity
	for _, v := range vals {
		parts := strings.Split(v, ":")
		switch len(parts) {
		case 1:
			out = append(out, &api.ACLServiceIdentity{ServiceName: parts[0]})
		case 2:
			out = append(out, &api.ACLServiceIdentity{ServiceName: parts[0], Datacenters: strings.Split(parts[1], ",")})
		default:
			return nil, fmt.Errorf("Malformed -service-identity argument: %q", v)
		}
	}
	return out, nil
}

// parseNodeIdentities reads -node-identity values: NODE:DC.
func parseNodeIdentities(vals []string) ([]*api.ACLNodeIdentity, error) {
	var out []*api.ACLNodeIdentity
	for _, v := range vals {
		parts := strings.Split(v, ":")
		if len(parts) != 2 {
			return nil, fmt.Errorf("Malformed -node-identity argument: %q", v)
		}
		out = append(out, &api.ACLNodeIdentity{NodeName: parts[0], Datacenter: parts[1]})
	}
	return out, nil
}

// uuidLen is the length of a whole ID; anything shorter is a prefix.
const uuidLen = 36

// resolvePartialID expands an ID prefix to the one ID in ids that starts
// with it, as Consul's CLI lets operators abbreviate IDs.
func resolvePartialID(kind, partial string, ids func() ([]string, error)) (string, error) {
	if len(partial) == uuidLen {
		return partial, nil
	}
	all, err := ids()
	if err != nil {
		return "", err
	}
	found := ""
	for _, id := range all {
		if strings.HasPrefix(id, partial) {
			if found != "" {
				return "", fmt.Errorf("Partial %s ID is not unique", kind)
			}
			found = id
		}
	}
	if found == "" {
		return "", fmt.Errorf("No such %s ID with prefix: %s", kind, partial)
	}
	return found, nil
}

func policyIDFromPartial(client *api.Client, partial string) (string, error) {
	if partial == "global-management" {
		return "00000000-0000-0000-0000-000000000001", nil
	}
	return resolvePartialID("policy", partial, func() ([]string, error) {
		list, _, err := client.ACL().PolicyList(nil)
		ids := make([]string, 0, len(list))
		for _, p := range list {
			ids = append(ids, p.ID)
		}
		return ids, err
	})
}

func tokenIDFromPartial(client *api.Client, partial string) (string, error) {
	if partial == "anonymous" {
		return "00000000-0000-0000-0000-000000000002", nil
	}
	return resolvePartialID("token", partial, func() ([]string, error) {
		list, _, err := client.ACL().TokenList(nil)
		ids := make([]string, 0, len(list))
		for _, t := range list {
			ids = append(ids, t.AccessorID)
		}
		return ids, err
	})
}

func roleIDFromPartial(client *api.Client, partial string) (string, error) {
	return resolvePartialID("role", partial, func() ([]string, error) {
		list, _, err := client.ACL().RoleList(nil)
		ids := make([]string, 0, len(list))
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		return ids, err
	})
}

// writeLinks writes "Policies:" or "Roles:" and one "   ID - Name" line
// per link, indented by indent.
func writeLinks(b *strings.Builder, indent, title string, links []*api.ACLLink) {
	if len(links) == 0 {
		return
	}
	fmt.Fprintf(b, "%s%s:\n", indent, title)
	for _, l := range links {
		fmt.Fprintf(b, "%s   %s - %s\n", indent, l.ID, l.Name)
	}
}

// writeIdentities writes the service and node identity sections.
func writeIdentities(b *strings.Builder, indent string, svcs []*api.ACLServiceIdentity, nodes []*api.ACLNodeIdentity) {
	if len(svcs) > 0 {
		fmt.Fprintf(b, "%sService Identities:\n", indent)
		for _, s := range svcs {
			dcs := "all"
			if len(s.Datacenters) > 0 {
				dcs = strings.Join(s.Datacenters, ", ")
			}
			fmt.Fprintf(b, "%s   %s (Datacenters: %s)\n", indent, s.ServiceName, dcs)
		}
	}
	if len(nodes) > 0 {
		fmt.Fprintf(b, "%sNode Identities:\n", indent)
		for _, n := range nodes {
			fmt.Fprintf(b, "%s   %s (Datacenter: %s)\n", indent, n.NodeName, n.Datacenter)
		}
	}
}

// aclObject is what deleting one kind of ACL object needs: its names
// and the calls that find and remove it.
type aclObject struct {
	kind, title string // "policy", "Policy"
	fromPartial func(*api.Client, string) (string, error)
	byName      func(*api.Client, string) (id string, found bool, err error)
	remove      func(*api.Client, string) error
}

func aclPolicyDeleteSpec() spec {
	return aclDeleteSpec(aclObject{
		kind: "policy", title: "Policy", fromPartial: policyIDFromPartial,
		byName: func(c *api.Client, name string) (string, bool, error) {
			p, _, err := c.ACL().PolicyReadByName(name, nil)
			if err != nil || p == nil {
				return "", false, err
			}
			return p.ID, true, nil
		},
		remove: func(c *api.Client, id string) error { _, err := c.ACL().PolicyDelete(id, nil); return err },
	})
}

func aclRoleDeleteSpec() spec {
	return aclDeleteSpec(aclObject{
		kind: "role", title: "Role", fromPartial: roleIDFromPartial,
		byName: func(c *api.Client, name string) (string, bool, error) {
			r, _, err := c.ACL().RoleReadByName(name, nil)
			if err != nil || r == nil {
				return "", false, err
			}
			return r.ID, true, nil
		},
		remove: func(c *api.Client, id string) error { _, err := c.ACL().RoleDelete(id, nil); return err },
	})
}

// aclDeleteSpec is "acl policy delete" and "acl role delete": the object
// is named by -id (a unique prefix will do) or -name.
func aclDeleteSpec(o aclObject) spec {
	return spec{
		synopsis: "Delete an ACL " + o.kind,
		usage: fmt.Sprintf(`
Usage: concord acl %[1]s delete [options] -id %[2]s

    Deletes an ACL %[1]s by providing either the ID or a unique ID prefix.

    Delete by prefix:

        $ concord acl %[1]s delete -id b6b85

    Delete by full ID:

        $ concord acl %[1]s delete -id b6b856da-5193-4e78-845a-7d61ca8371ba
`, o.kind, strings.ToUpper(o.kind)),
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			id := fs.String("id", "", "The ID of the "+o.kind+" to delete. It may be specified as a "+
				"unique ID prefix but will error if the prefix matches multiple "+o.kind+" IDs")
			name := fs.String("name", "", "The Name of the "+o.kind+" to delete.")
			h := serverFlags(fs)
			return func([]string) int {
				if *id == "" && *name == "" {
					c.errorf("Must specify either the -id or -name parameters")
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				objID := *id
				var err error
				if objID != "" {
					objID, err = o.fromPartial(client, objID)
				} else {
					var found bool
					objID, found, err = o.byName(client, *name)
					if err == nil && !found {
						err = fmt.Errorf("No such %s with name %s", o.kind, *name)
					}
				}
				if err != nil {
					c.errorf("Error determining %s ID: %v", o.kind, err)
					return 1
				}
				if err := o.remove(client, objID); err != nil {
					c.errorf("Error deleting %s %q: %v", o.kind, objID, err)
					return 1
				}
				c.out(fmt.Sprintf("%s %q deleted successfully", o.title, objID))
				return 0
			}
		},
	}
}
