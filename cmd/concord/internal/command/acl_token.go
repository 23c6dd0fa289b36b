package command

import (
	"flag"
	"fmt"
	"strings"

	"github.com/hashicorp/consul/api"
)

func aclTokenSpec() spec {
	return spec{
		synopsis: "Manage concord's ACL tokens",
		usage: `
Usage: concord acl token <subcommand> [options] [args]

  This command has subcommands for managing concord's ACL tokens. Here are
  some simple examples, and more detailed examples are available in the
  subcommands or the documentation.

  Create a new ACL token:

      $ concord acl token create -description "This is an example token" \
                                 -policy-id 06acc965

  List all tokens:

      $ concord acl token list

  Update a token:

      $ concord acl token update -accessor-id 986193 -description "WonderToken"

  Read a token with an accessor ID:

      $ concord acl token read -accessor-id 986193

  Delete a token:

      $ concord acl token delete -accessor-id 986193

  For more examples, ask for subcommand help or view the documentation.
`,
	}
}

// formatToken is Consul's pretty rendering of one token.
func formatToken(t *api.ACLToken, showMeta bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AccessorID:       %s\n", t.AccessorID)
	fmt.Fprintf(&b, "SecretID:         %s\n", t.SecretID)
	fmt.Fprintf(&b, "Description:      %s\n", t.Description)
	fmt.Fprintf(&b, "Local:            %t\n", t.Local)
	fmt.Fprintf(&b, "Create Time:      %v\n", t.CreateTime)
	if t.ExpirationTime != nil && !t.ExpirationTime.IsZero() {
		fmt.Fprintf(&b, "Expiration Time:  %v\n", *t.ExpirationTime)
	}
	if showMeta {
		fmt.Fprintf(&b, "Hash:             %x\n", t.Hash)
		fmt.Fprintf(&b, "Create Index:     %d\n", t.CreateIndex)
		fmt.Fprintf(&b, "Modify Index:     %d\n", t.ModifyIndex)
	}
	writeLinks(&b, "", "Policies", t.Policies)
	writeLinks(&b, "", "Roles", t.Roles)
	writeIdentities(&b, "", t.ServiceIdentities, t.NodeIdentities)
	return b.String()
}

// formatTokenList renders list entries, a blank line between tokens.
func formatTokenList(list []*api.ACLTokenListEntry, showMeta bool) string {
	entries := make([]string, 0, len(list))
	for _, e := range list {
		entries = append(entries, formatToken(&api.ACLToken{
			AccessorID: e.AccessorID, SecretID: e.SecretID, Description: e.Description,
			Policies: e.Policies, Roles: e.Roles, ServiceIdentities: e.ServiceIdentities,
			NodeIdentities: e.NodeIdentities, Local: e.Local, ExpirationTime: e.ExpirationTime,
			CreateTime: e.CreateTime, Hash: e.Hash, CreateIndex: e.CreateIndex, ModifyIndex: e.ModifyIndex,
		}, showMeta))
	}
	return strings.Join(entries, "\n")
}

func (c *cli) printToken(format string, t *api.ACLToken, showMeta bool) bool {
	return c.printFormatted(format, t, func() string { return formatToken(t, showMeta) })
}

// accessorFlags registers -accessor-id and its deprecated alias -id.
type accessorFlags struct{ accessor, id string }

func addAccessorFlags(fs *flag.FlagSet, what string) *accessorFlags {
	a := &accessorFlags{}
	fs.StringVar(&a.accessor, "accessor-id", "", "The Accessor ID of the token to "+what+". "+
		"It may be specified as a unique ID prefix but will error if the prefix "+
		"matches multiple token Accessor IDs")
	fs.StringVar(&a.id, "id", "", "DEPRECATED. Use -accessor-id instead.")
	return a
}

// pick is the accessor given, warning when the deprecated -id named it;
// "" when neither flag was given.
func (a *accessorFlags) pick(c *cli) string {
	if a.accessor != "" {
		return a.accessor
	}
	if a.id != "" {
		c.errorf("Use the -accessor-id parameter to specify token by Accessor ID")
	}
	return a.id
}

// tokenLinkFlags are the repeatable link and identity flags of token
// create and update.
type tokenLinkFlags struct {
	policyIDs, policyNames, roleIDs, roleNames, serviceIdents, nodeIdents stringList
}

func addTokenLinkFlags(fs *flag.FlagSet, suffix string) *tokenLinkFlags {
	l := &tokenLinkFlags{}
	fs.Var(&l.policyIDs, "policy-id", "ID of a policy to use for this token."+suffix+" May be specified multiple times")
	fs.Var(&l.policyNames, "policy-name", "Name of a policy to use for this token."+suffix+" May be specified multiple times")
	fs.Var(&l.roleIDs, "role-id", "ID of a role to use for this token."+suffix+" May be specified multiple times")
	fs.Var(&l.roleNames, "role-name", "Name of a role to use for this token."+suffix+" May be specified multiple times")
	fs.Var(&l.serviceIdents, "service-identity", "Name of a service identity to use for this "+
		"token. May be specified multiple times. Format is the SERVICENAME or "+
		"SERVICENAME:DATACENTER1,DATACENTER2,...")
	fs.Var(&l.nodeIdents, "node-identity", "Name of a node identity to use for this token. "+
		"May be specified multiple times. Format is NODENAME:DATACENTER")
	return l
}

// policyLinks builds links from names and (possibly partial) IDs.
func (c *cli) policyLinks(client *api.Client, names, ids []string) ([]*api.ACLLink, bool) {
	var out []*api.ACLLink
	for _, n := range names {
		out = append(out, &api.ACLLink{Name: n})
	}
	for _, id := range ids {
		full, err := policyIDFromPartial(client, id)
		if err != nil {
			c.errorf("Error resolving policy ID %s: %v", id, err)
			return nil, false
		}
		out = append(out, &api.ACLLink{ID: full})
	}
	return out, true
}

func (c *cli) roleLinks(client *api.Client, names, ids []string) ([]*api.ACLLink, bool) {
	var out []*api.ACLLink
	for _, n := range names {
		out = append(out, &api.ACLLink{Name: n})
	}
	for _, id := range ids {
		full, err := roleIDFromPartial(client, id)
		if err != nil {
			c.errorf("Error resolving role ID %s: %v", id, err)
			return nil, false
		}
		out = append(out, &api.ACLLink{ID: full})
	}
	return out, true
}

func aclTokenCreateSpec() spec {
	return spec{
		synopsis: "Create an ACL token",
		usage: `
Usage: concord acl token create [options]

  When creating a new token policies may be linked using either the -policy-id
  or the -policy-name options. When specifying policies by IDs you may use a
  unique prefix of the UUID as a shortcut for specifying the entire UUID.

  Create a new token:

          $ concord acl token create -description "Replication token" \
                                     -policy-id b52fc3de-5 \
                                     -policy-name "acl-replication" \
                                     -role-id c630d4ef-6 \
                                     -role-name "db-updater" \
                                     -service-identity "web" \
                                     -service-identity "db:east,west"
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			accessor := fs.String("accessor", "", "Create the token with this Accessor ID. "+
				"It must be a UUID. If not specified one will be auto-generated")
			secret := fs.String("secret", "", "Create the token with this Secret ID. "+
				"It must be a UUID. If not specified one will be auto-generated")
			meta := showMetaFlag(fs, "token")
			local := fs.Bool("local", false, "Create this as a datacenter local token")
			desc := fs.String("description", "", "A description of the token")
			links := addTokenLinkFlags(fs, "")
			ttl := fs.Duration("expires-ttl", 0, "Duration of time this token should be valid for")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				l := links
				if len(l.policyIDs)+len(l.policyNames)+len(l.roleIDs)+len(l.roleNames)+
					len(l.serviceIdents)+len(l.nodeIdents) == 0 {
					c.errorf("Cannot create a token without specifying -policy-name, -policy-id, " +
						"-role-name, -role-id, -service-identity, or -node-identity at least once")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				t := &api.ACLToken{Description: *desc, Local: *local, AccessorID: *accessor, SecretID: *secret}
				if *ttl > 0 {
					t.ExpirationTTL = *ttl
				}
				var err error
				if t.ServiceIdentities, err = parseServiceIdentities(l.serviceIdents); err != nil {
					c.errorf("%v", err)
					return 1
				}
				if t.NodeIdentities, err = parseNodeIdentities(l.nodeIdents); err != nil {
					c.errorf("%v", err)
					return 1
				}
				if t.Policies, ok = c.policyLinks(client, l.policyNames, l.policyIDs); !ok {
					return 1
				}
				if t.Roles, ok = c.roleLinks(client, l.roleNames, l.roleIDs); !ok {
					return 1
				}
				created, _, err := client.ACL().TokenCreate(t, nil)
				if err != nil {
					c.errorf("Failed to create new token: %v", err)
					return 1
				}
				c.printToken(*format, created, *meta)
				return 0
			}
		},
	}
}

func aclTokenListSpec() spec {
	return spec{
		synopsis: "List ACL tokens",
		usage: `
Usage: concord acl token list [options]

  List all the ACL tokens

          $ concord acl token list
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			meta := showMetaFlag(fs, "token")
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
				list, _, err := client.ACL().TokenList(h.query())
				if err != nil {
					c.errorf("Failed to retrieve the token list: %v", err)
					return 1
				}
				c.printFormatted(*format, list, func() string { return formatTokenList(list, *meta) })
				return 0
			}
		},
	}
}

func aclTokenReadSpec() spec {
	return spec{
		synopsis: "Read an ACL token",
		usage: `
Usage: concord acl token read [options] -accessor-id TOKENID

  This command will retrieve and print out the details of a single token.

  Using a partial ID:

          $ concord acl token read -accessor-id 4be56c77-82

  Using the full ID:

          $ concord acl token read -accessor-id 4be56c77-8244-4c7d-b08c-667b8c71baed
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			acc := addAccessorFlags(fs, "read")
			self := fs.Bool("self", false, "Indicates that the current HTTP token should be read by secret ID instead of expecting a -accessor-id")
			meta := showMetaFlag(fs, "token")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				id := acc.pick(c)
				if id == "" && !*self {
					c.errorf("Must specify the -accessor-id parameter")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				var t *api.ACLToken
				var err error
				if *self {
					t, _, err = client.ACL().TokenReadSelf(h.query())
					if err != nil {
						c.errorf("Error reading token: %v", err)
						return 1
					}
				} else {
					if id, err = tokenIDFromPartial(client, id); err != nil {
						c.errorf("Error determining token ID: %v", err)
						return 1
					}
					t, _, err = client.ACL().TokenRead(id, h.query())
					if err != nil {
						c.errorf("Error reading token %q: %v", id, err)
						return 1
					}
				}
				c.printToken(*format, t, *meta)
				return 0
			}
		},
	}
}

func aclTokenDeleteSpec() spec {
	return spec{
		synopsis: "Delete an ACL token",
		usage: `
Usage: concord acl token delete [options] -accessor-id TOKEN

  Deletes an ACL token by providing either the ID or a unique ID prefix.

  Delete by prefix:

          $ concord acl token delete -accessor-id b6b85

  Delete by full ID:

          $ concord acl token delete -accessor-id b6b856da-5193-4e78-845a-7d61ca8371ba
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			acc := addAccessorFlags(fs, "delete")
			h := serverFlags(fs)
			return func([]string) int {
				id := acc.pick(c)
				if id == "" {
					c.errorf("Must specify the -accessor-id parameter")
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				id, err := tokenIDFromPartial(client, id)
				if err != nil {
					c.errorf("Error determining token ID: %v", err)
					return 1
				}
				if _, err := client.ACL().TokenDelete(id, nil); err != nil {
					c.errorf("Error deleting token %q: %v", id, err)
					return 1
				}
				c.out(fmt.Sprintf("Token %q deleted successfully", id))
				return 0
			}
		},
	}
}

func aclTokenCloneSpec() spec {
	return spec{
		synopsis: "Clone an ACL token",
		usage: `
Usage: concord acl token clone [options]

  This command will clone a token. When cloning an alternate description may be given
  for use with the new token.

  Example:

          $ concord acl token clone -accessor-id abcd -description "replication"
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			acc := addAccessorFlags(fs, "clone")
			desc := fs.String("description", "", "A description of the new cloned token")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int {
				id := acc.pick(c)
				if id == "" {
					c.errorf("Cannot update a token without specifying the -accessor-id parameter")
					return 1
				}
				if !c.checkFormat(*format) {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				id, err := tokenIDFromPartial(client, id)
				if err != nil {
					c.errorf("Error determining token ID: %v", err)
					return 1
				}
				t, _, err := client.ACL().TokenClone(id, *desc, nil)
				if err != nil {
					c.errorf("Error cloning token: %v", err)
					return 1
				}
				c.printToken(*format, t, false)
				return 0
			}
		},
	}
}
