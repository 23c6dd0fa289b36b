package command

import (
	"flag"
	"fmt"
	"strings"

	"github.com/hashicorp/consul/api"
)

func aclPolicySpec() spec {
	return spec{
		synopsis: "Manage concord's ACL policies",
		usage: `
Usage: concord acl policy <subcommand> [options] [args]

  This command has subcommands for managing concord's ACL policies.
  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Create a new ACL policy:

      $ concord acl policy create -name "new-policy" \
                                  -description "This is an example policy" \
                                  -datacenter "dc1" \
                                  -datacenter "dc2" \
                                  -rules @rules.hcl

  List all policies:

      $ concord acl policy list

  Update a policy:

      $ concord acl policy update -name "other-policy" -datacenter "dc1"

  Read a policy:

      $ concord acl policy read -id 0479e93e-091c-4475-9b06-79a004765c24

  Delete a policy

      $ concord acl policy delete -name "my-policy"

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// formatPolicy is Consul's pretty rendering of one policy; the rules end
// it as they were written.
func formatPolicy(p *api.ACLPolicy, showMeta bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ID:           %s\n", p.ID)
	fmt.Fprintf(&b, "Name:         %s\n", p.Name)
	fmt.Fprintf(&b, "Description:  %s\n", p.Description)
	fmt.Fprintf(&b, "Datacenters:  %s\n", strings.Join(p.Datacenters, ", "))
	if showMeta {
		fmt.Fprintf(&b, "Hash:         %x\n", p.Hash)
		fmt.Fprintf(&b, "Create Index: %d\n", p.CreateIndex)
		fmt.Fprintf(&b, "Modify Index: %d\n", p.ModifyIndex)
	}
	b.WriteString("Rules:\n")
	b.WriteString(p.Rules)
	return b.String()
}

func formatPolicyList(list []*api.ACLPolicyListEntry, showMeta bool) string {
	var b strings.Builder
	for _, p := range list {
		fmt.Fprintf(&b, "%s:\n", p.Name)
		fmt.Fprintf(&b, "   ID:           %s\n", p.ID)
		fmt.Fprintf(&b, "   Description:  %s\n", p.Description)
		fmt.Fprintf(&b, "   Datacenters:  %s\n", strings.Join(p.Datacenters, ", "))
		if showMeta {
			fmt.Fprintf(&b, "   Hash:         %x\n", p.Hash)
			fmt.Fprintf(&b, "   Create Index: %d\n", p.CreateIndex)
			fmt.Fprintf(&b, "   Modify Index: %d\n", p.ModifyIndex)
		}
	}
	return b.String()
}

func (c *cli) printPolicy(format string, p *api.ACLPolicy, showMeta bool) {
	c.printFormatted(format, p, func() string { return formatPolicy(p, showMeta) })
}

const rulesUsage = "The policy rules. May be prefixed with '@' to indicate that the " +
	"value is a file path to load the rules from. '-' may also be given to " +
	"indicate that the rules are available on stdin"

func aclPolicyCreateSpec() spec {
	return spec{
		synopsis: "Create an ACL policy",
		usage: `
Usage: concord acl policy create -name NAME [options]

    The -rules option value allows loading the value from stdin, a file or
    the raw value. To use stdin pass '-' as the value. To load the value
    from a file prefix the value with an '@'. Any other values will be used
    directly.

    Create a new policy:

          $ concord acl policy create -name "new-policy" \
                                      -description "This is an example policy" \
                                      -valid-datacenter "dc1" \
                                      -valid-datacenter "dc2" \
                                      -rules @rules.hcl
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			name := fs.String("name", "", "The new policy's name. This flag is required.")
			desc := fs.String("description", "", "A description of the policy")
			var dcs stringList
			fs.Var(&dcs, "valid-datacenter", "Datacenter that the policy should be valid "+
				"within. This flag may be specified multiple times")
			rules := fs.String("rules", "", rulesUsage)
			meta := showMetaFlag(fs, "policy")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				if *name == "" {
					c.errorf("Missing require '-name' flag")
					c.errorf("%s", c.verbHelp("acl policy create"))
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				text, err := loadData(*rules, c.env.Stdin)
				if err != nil {
					c.errorf("Error loading rules: %v", err)
					return 1
				}
				p, _, err := client.ACL().PolicyCreate(&api.ACLPolicy{
					Name: *name, Description: *desc, Datacenters: dcs, Rules: text,
				}, nil)
				if err != nil {
					c.errorf("Failed to create new policy: %v", err)
					return 1
				}
				c.printPolicy(*format, p, *meta)
				return 0
			}
		},
	}
}

func aclPolicyListSpec() spec {
	return spec{
		synopsis: "Lists ACL policies",
		usage: `
Usage: concord acl policy list [options]

    Lists all the ACL policies.

    Example:

        $ concord acl policy list
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			meta := showMetaFlag(fs, "policy")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				list, _, err := client.ACL().PolicyList(h.query())
				if err != nil {
					c.errorf("Failed to retrieve the policy list: %v", err)
					return 1
				}
				c.printFormatted(*format, list, func() string { return formatPolicyList(list, *meta) })
				return 0
			}
		},
	}
}

// policyByFlags reads the policy -id (an ID or unique prefix) or -name
// names; ok is false after an error was printed.
func (c *cli) policyByFlags(client *api.Client, h *httpFlags, id, name string) (*api.ACLPolicy, bool) {
	var p *api.ACLPolicy
	var err error
	if id != "" {
		if id, err = policyIDFromPartial(client, id); err != nil {
			c.errorf("Error determining policy ID: %v", err)
			return nil, false
		}
		p, _, err = client.ACL().PolicyRead(id, h.query())
	} else {
		p, _, err = client.ACL().PolicyReadByName(name, h.query())
		id = name
	}
	if err == nil && p == nil {
		err = fmt.Errorf("policy not found")
	}
	if err != nil {
		c.errorf("Error reading policy %q: %v", id, err)
		return nil, false
	}
	return p, true
}

func aclPolicyReadSpec() spec {
	return spec{
		synopsis: "Read an ACL policy",
		usage: `
Usage: concord acl policy read [options] POLICY

    This command will retrieve and print out the details
    of a single policy.

    Read:

        $ concord acl policy read -id fdabbcb5-9de5-4b1a-961f-77214ae88cba

    Read by name:

        $ concord acl policy read -name my-policy
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			id := fs.String("id", "", "The ID of the policy to read. It may be specified as a "+
				"unique ID prefix but will error if the prefix matches multiple policy IDs")
			name := fs.String("name", "", "The name of the policy to read.")
			meta := showMetaFlag(fs, "policy")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				if *id == "" && *name == "" {
					c.errorf("Must specify either the -id or -name parameters")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				p, ok := c.policyByFlags(client, h, *id, *name)
				if !ok {
					return 1
				}
				c.printPolicy(*format, p, *meta)
				return 0
			}
		},
	}
}

func aclPolicyUpdateSpec() spec {
	return spec{
		synopsis: "Update an ACL policy",
		usage: `
Usage: concord acl policy update [options]

    Updates a policy. By default it will merge the policy information with its
    current state so that you do not have to provide all parameters. This
    behavior can be disabled by passing -no-merge.

    Rename the Policy:

          $ concord acl policy update -id 35b8 -name "replication"

    Update the Policy's rules:

          $ concord acl policy update -id 35b8 -rules @rules.hcl
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			id := fs.String("id", "", "The ID of the policy to update. It may be specified as a "+
				"unique ID prefix but will error if the prefix matches multiple policy IDs")
			name := fs.String("name", "", "The policy name.")
			desc := fs.String("description", "", "A description of the policy")
			var dcs stringList
			fs.Var(&dcs, "valid-datacenter", "Datacenter that the policy should be valid "+
				"within. This flag may be specified multiple times")
			rules := fs.String("rules", "", rulesUsage)
			noMerge := fs.Bool("no-merge", false, "Do not merge the current policy information "+
				"with what is provided to the command. Instead overwrite all fields with the "+
				"exception of the policy ID which is immutable.")
			meta := showMetaFlag(fs, "policy")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				if *id == "" {
					c.errorf("Cannot update a policy without specifying the -id parameter")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				policyID, err := policyIDFromPartial(client, *id)
				if err != nil {
					c.errorf("Error determining policy ID: %v", err)
					return 1
				}
				text, err := loadData(*rules, c.env.Stdin)
				if err != nil {
					c.errorf("Error loading rules: %v", err)
					return 1
				}
				var p *api.ACLPolicy
				if *noMerge {
					p = &api.ACLPolicy{ID: policyID, Name: *name, Description: *desc, Datacenters: dcs, Rules: text}
				} else {
					p, _, err = client.ACL().PolicyRead(policyID, nil)
					if err != nil {
						c.errorf("Error reading policy %q: %v", policyID, err)
						return 1
					}
					if *name != "" {
						p.Name = *name
					}
					if *desc != "" {
						p.Description = *desc
					}
					if len(dcs) > 0 {
						p.Datacenters = dcs
					}
					if text != "" {
						p.Rules = text
					}
				}
				updated, _, err := client.ACL().PolicyUpdate(p, nil)
				if err != nil {
					c.errorf("Error updating policy %q: %v", policyID, err)
					return 1
				}
				c.printPolicy(*format, updated, *meta)
				return 0
			}
		},
	}
}
