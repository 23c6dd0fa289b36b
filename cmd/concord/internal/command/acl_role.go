package command

import (
	"flag"
	"fmt"
	"strings"

	"github.com/hashicorp/consul/api"
)

func aclRoleSpec() spec {
	return spec{
		synopsis: "Manage concord's ACL roles",
		usage: `
Usage: concord acl role <subcommand> [options] [args]

  This command has subcommands for managing concord's ACL roles.
  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Create a new ACL role:

      $ concord acl role create -name "new-role" \
                                -description "This is an example role" \
                                -policy-id 06acc965

  List all roles:

      $ concord acl role list

  Update a role:

      $ concord acl role update -name "other-role" -datacenter "dc1"

  Read a role:

      $ concord acl role read -id 0479e93e-091c-4475-9b06-79a004765c24

  Delete a role

      $ concord acl role delete -name "my-role"

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// formatRole is Consul's pretty rendering of one role.
func formatRole(r *api.ACLRole, showMeta bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ID:           %s\n", r.ID)
	fmt.Fprintf(&b, "Name:         %s\n", r.Name)
	fmt.Fprintf(&b, "Description:  %s\n", r.Description)
	if showMeta {
		fmt.Fprintf(&b, "Hash:         %x\n", r.Hash)
		fmt.Fprintf(&b, "Create Index: %d\n", r.CreateIndex)
		fmt.Fprintf(&b, "Modify Index: %d\n", r.ModifyIndex)
	}
	writeLinks(&b, "", "Policies", r.Policies)
	writeIdentities(&b, "", r.ServiceIdentities, r.NodeIdentities)
	return b.String()
}

func formatRoleList(list []*api.ACLRole, showMeta bool) string {
	var b strings.Builder
	for _, r := range list {
		fmt.Fprintf(&b, "%s:\n", r.Name)
		fmt.Fprintf(&b, "   ID:           %s\n", r.ID)
		fmt.Fprintf(&b, "   Description:  %s\n", r.Description)
		if showMeta {
			fmt.Fprintf(&b, "   Hash:         %x\n", r.Hash)
			fmt.Fprintf(&b, "   Create Index: %d\n", r.CreateIndex)
			fmt.Fprintf(&b, "   Modify Index: %d\n", r.ModifyIndex)
		}
		writeLinks(&b, "   ", "Policies", r.Policies)
		writeIdentities(&b, "   ", r.ServiceIdentities, r.NodeIdentities)
	}
	return b.String()
}

func (c *cli) printRole(format string, r *api.ACLRole, showMeta bool) {
	c.printFormatted(format, r, func() string { return formatRole(r, showMeta) })
}

// roleLinkFlags are the link and identity flags of role create and update.
type roleLinkFlags struct {
	policyIDs, policyNames, serviceIdents, nodeIdents stringList
}

func addRoleLinkFlags(fs *flag.FlagSet) *roleLinkFlags {
	l := &roleLinkFlags{}
	fs.Var(&l.policyIDs, "policy-id", "ID of a policy to use for this role. May be specified multiple times")
	fs.Var(&l.policyNames, "policy-name", "Name of a policy to use for this role. May be specified multiple times")
	fs.Var(&l.serviceIdents, "service-identity", "Name of a service identity to use for this "+
		"role. May be specified multiple times. Format is the SERVICENAME or "+
		"SERVICENAME:DATACENTER1,DATACENTER2,...")
	fs.Var(&l.nodeIdents, "node-identity", "Name of a node identity to use for this role. "+
		"May be specified multiple times. Format is NODENAME:DATACENTER")
	return l
}

func aclRoleCreateSpec() spec {
	return spec{
		synopsis: "Create an ACL role",
		usage: `
Usage: concord acl role create -name NAME [options]

    Create a new role:

        $ concord acl role create -name "new-role" \
                                  -description "This is an example role" \
                                  -policy-id b52fc3de-5 \
                                  -policy-name "acl-replication" \
                                  -service-identity "web" \
                                  -service-identity "db:east,west"
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			name := fs.String("name", "", "The new role's name. This flag is required.")
			desc := fs.String("description", "", "A description of the role")
			links := addRoleLinkFlags(fs)
			meta := showMetaFlag(fs, "role")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				l := links
				if *name == "" {
					c.errorf("Missing required '-name' flag")
					return 1
				}
				if len(l.policyIDs)+len(l.policyNames)+len(l.serviceIdents)+len(l.nodeIdents) == 0 {
					c.errorf("Cannot create a role without specifying -policy-name, -policy-id, " +
						"-service-identity, or -node-identity at least once")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				role := &api.ACLRole{Name: *name, Description: *desc}
				var err error
				if role.ServiceIdentities, err = parseServiceIdentities(l.serviceIdents); err != nil {
					c.errorf("%v", err)
					return 1
				}
				if role.NodeIdentities, err = parseNodeIdentities(l.nodeIdents); err != nil {
					c.errorf("%v", err)
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				if role.Policies, ok = c.policyLinks(client, l.policyNames, l.policyIDs); !ok {
					return 1
				}
				created, _, err := client.ACL().RoleCreate(role, nil)
				if err != nil {
					c.errorf("Failed to create new role: %v", err)
					return 1
				}
				c.printRole(*format, created, *meta)
				return 0
			}
		},
	}
}

func aclRoleListSpec() spec {
	return spec{
		synopsis: "Lists ACL roles",
		usage: `
Usage: concord acl role list [options]

    Lists all the ACL roles.

    Example:

        $ concord acl role list
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			meta := showMetaFlag(fs, "role")
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
				list, _, err := client.ACL().RoleList(h.query())
				if err != nil {
					c.errorf("Failed to retrieve the role list: %v", err)
					return 1
				}
				c.printFormatted(*format, list, func() string { return formatRoleList(list, *meta) })
				return 0
			}
		},
	}
}

// roleByFlags reads the role named by -id (ID or unique prefix) or -name.
func (c *cli) roleByFlags(client *api.Client, h *httpFlags, id, name string) (*api.ACLRole, bool) {
	if id != "" {
		full, err := roleIDFromPartial(client, id)
		if err != nil {
			c.errorf("Error determining role ID: %v", err)
			return nil, false
		}
		r, _, err := client.ACL().RoleRead(full, h.query())
		if err != nil {
			c.errorf("Error reading role %q: %v", full, err)
			return nil, false
		}
		if r == nil {
			c.errorf("Role not found with ID %q", full)
			return nil, false
		}
		return r, true
	}
	r, _, err := client.ACL().RoleReadByName(name, h.query())
	if err != nil {
		c.errorf("Error reading role %q: %v", name, err)
		return nil, false
	}
	if r == nil {
		c.errorf("Role not found with name %q", name)
		return nil, false
	}
	return r, true
}

func aclRoleReadSpec() spec {
	return spec{
		synopsis: "Read an ACL role",
		usage: `
Usage: concord acl role read [options] ROLE

    This command will retrieve and print out the details
    of a single role.

    Read:

        $ concord acl role read -id fdabbcb5-9de5-4b1a-961f-77214ae88cba

    Read by name:

        $ concord acl role read -name my-role
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			id := fs.String("id", "", "The ID of the role to read. It may be specified as a "+
				"unique ID prefix but will error if the prefix matches multiple role IDs")
			name := fs.String("name", "", "The name of the role to read.")
			meta := showMetaFlag(fs, "role")
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
				r, ok := c.roleByFlags(client, h, *id, *name)
				if !ok {
					return 1
				}
				c.printRole(*format, r, *meta)
				return 0
			}
		},
	}
}

func aclRoleUpdateSpec() spec {
	return spec{
		synopsis: "Update an ACL role",
		usage: `
Usage: concord acl role update [options]

    Updates a role. By default it will merge the role information with its
    current state so that you do not have to provide all parameters. This
    behavior can be disabled by passing -no-merge.

    Rename the role:

        $ concord acl role update -id abcd -name "better-name"

    Add a policy:

        $ concord acl role update -id abcd -policy-name "node-read"
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			id := fs.String("id", "", "The ID of the role to update. It may be specified as a "+
				"unique ID prefix but will error if the prefix matches multiple role IDs")
			name := fs.String("name", "", "The role name.")
			desc := fs.String("description", "", "A description of the role")
			links := addRoleLinkFlags(fs)
			noMerge := fs.Bool("no-merge", false, "Do not merge the current role information "+
				"with what is provided to the command. Instead overwrite all fields with the "+
				"exception of the role ID which is immutable.")
			meta := showMetaFlag(fs, "role")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				l := links
				if *id == "" {
					c.errorf("Cannot update a role without specifying the -id parameter")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				svcs, err := parseServiceIdentities(l.serviceIdents)
				if err != nil {
					c.errorf("%v", err)
					return 1
				}
				nodes, err := parseNodeIdentities(l.nodeIdents)
				if err != nil {
					c.errorf("%v", err)
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				roleID, err := roleIDFromPartial(client, *id)
				if err != nil {
					c.errorf("Error determining role ID: %v", err)
					return 1
				}
				policies, ok := c.policyLinks(client, l.policyNames, l.policyIDs)
				if !ok {
					return 1
				}
				var r *api.ACLRole
				if *noMerge {
					r = &api.ACLRole{ID: roleID, Name: *name, Description: *desc,
						Policies: policies, ServiceIdentities: svcs, NodeIdentities: nodes}
				} else {
					r, _, err = client.ACL().RoleRead(roleID, nil)
					if err != nil {
						c.errorf("Error when retrieving current role: %v", err)
						return 1
					}
					if r == nil {
						c.errorf("Role not found with ID %q", roleID)
						return 1
					}
					if *name != "" {
						r.Name = *name
					}
					if *desc != "" {
						r.Description = *desc
					}
					r.Policies = updateLinks(r.Policies, policies, false)
					for _, s := range svcs {
						replaced := false
						for i, cur := range r.ServiceIdentities {
							if cur.ServiceName == s.ServiceName {
								r.ServiceIdentities[i], replaced = s, true
							}
						}
						if !replaced {
							r.ServiceIdentities = append(r.ServiceIdentities, s)
						}
					}
					for _, n := range nodes {
						found := false
						for _, cur := range r.NodeIdentities {
							found = found || (cur.NodeName == n.NodeName && cur.Datacenter == n.Datacenter)
						}
						if !found {
							r.NodeIdentities = append(r.NodeIdentities, n)
						}
					}
				}
				updated, _, err := client.ACL().RoleUpdate(r, nil)
				if err != nil {
					c.errorf("Failed to update role %s: %v", roleID, err)
					return 1
				}
				c.printRole(*format, updated, *meta)
				return 0
			}
		},
	}
}
