package command

import (
	"flag"

	"github.com/hashicorp/consul/api"
)

func aclTokenUpdateSpec() spec {
	return spec{
		synopsis: "Update an ACL token",
		usage: `
Usage: concord acl token update [options]

    This command will update a token. Some parts such as marking the token local
    cannot be changed.

    Update a token description and take the policies from the existing token:

        $ concord acl token update -accessor-id abcd -description "replication" -merge-policies

    Update all editable fields of the token:

        $ concord acl token update -accessor-id abcd \
                                   -description "replication" \
                                   -policy-name "token-replication" \
                                   -role-name "db-updater"
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			u := &tokenUpdate{}
			u.acc = addAccessorFlags(fs, "update")
			fs.StringVar(&u.description, "description", "", "A description of the token")
			u.links = addTokenLinkFlags(fs, " Overwrites existing ones.")
			fs.Var(&u.appendPolicyIDs, "append-policy-id", "ID of a policy to add to this token. The token retains existing policies. May be specified multiple times")
			fs.Var(&u.appendPolicyNames, "append-policy-name", "Name of a policy to add to this token. The token retains existing policies. May be specified multiple times")
			fs.Var(&u.appendRoleIDs, "append-role-id", "ID of a role to add to this token. The token retains existing roles. May be specified multiple times")
			fs.Var(&u.appendRoleNames, "append-role-name", "Name of a role to add to this token. The token retains existing roles. May be specified multiple times")
			fs.Var(&u.appendServiceIdents, "append-service-identity", "Name of a service identity to add to this token. The token retains existing service identities. Format is the SERVICENAME or SERVICENAME:DATACENTER1,DATACENTER2,...")
			fs.Var(&u.appendNodeIdents, "append-node-identity", "Name of a node identity to add to this token. The token retains existing node identities. Format is NODENAME:DATACENTER")
			fs.BoolVar(&u.mergePolicies, "merge-policies", false, "DEPRECATED. Use -append-policy-id or -append-policy-name instead.")
			fs.BoolVar(&u.mergeRoles, "merge-roles", false, "DEPRECATED. Use -append-role-id or -append-role-name instead.")
			fs.BoolVar(&u.mergeServiceIdents, "merge-service-identities", false, "DEPRECATED. Use -append-service-identity instead.")
			fs.BoolVar(&u.mergeNodeIdents, "merge-node-identities", false, "DEPRECATED. Use -append-node-identity instead.")
			meta := showMetaFlag(fs, "token")
			format := outputFormat(fs)
			h := serverFlags(fs)
			return func([]string) int { return c.aclTokenUpdate(h, u, *format, *meta) }
		},
	}
}

// tokenUpdate holds token update's flags.
type tokenUpdate struct {
	acc                                   *accessorFlags
	description                           string
	links                                 *tokenLinkFlags
	appendPolicyIDs, appendPolicyNames    stringList
	appendRoleIDs, appendRoleNames        stringList
	appendServiceIdents, appendNodeIdents stringList
	mergePolicies, mergeRoles             bool
	mergeServiceIdents, mergeNodeIdents   bool
}

func (c *cli) aclTokenUpdate(h *httpFlags, u *tokenUpdate, format string, meta bool) int {
	id := u.acc.pick(c)
	if id == "" {
		c.errorf("Cannot update a token without specifying the -accessor-id parameter")
		return 1
	}
	l := u.links
	switch {
	case (len(l.policyIDs) > 0 || len(l.policyNames) > 0) && (len(u.appendPolicyIDs) > 0 || len(u.appendPolicyNames) > 0):
		c.errorf("Cannot combine the use of policy-id/policy-name flags with append- variants. " +
			"To set or overwrite existing policies, use -policy-id or -policy-name. " +
			"To append to existing policies, use -append-policy-id or -append-policy-name.")
		return 1
	case (len(l.roleIDs) > 0 || len(l.roleNames) > 0) && (len(u.appendRoleIDs) > 0 || len(u.appendRoleNames) > 0):
		c.errorf("Cannot combine the use of role-id/role-name flags with append- variants. " +
			"To set or overwrite existing roles, use -role-id or -role-name. " +
			"To append to existing roles, use -append-role-id or -append-role-name.")
		return 1
	case len(l.serviceIdents) > 0 && len(u.appendServiceIdents) > 0:
		c.errorf("Cannot combine the use of service-identity flag with append-service-identity. " +
			"To set or overwrite existing service identities, use -service-identity. " +
			"To append to existing service identities, use -append-service-identity.")
		return 1
	case len(l.nodeIdents) > 0 && len(u.appendNodeIdents) > 0:
		c.errorf("Cannot combine the use of node-identity flag with append-node-identity. " +
			"To set or overwrite existing node identities, use -node-identity. " +
			"To append to existing node identities, use -append-node-identity.")
		return 1
	}
	if !c.checkFormat(format) {
		return 1
	}
	svcs, err := parseServiceIdentities(append(append([]string{}, l.serviceIdents...), u.appendServiceIdents...))
	if err != nil {
		c.errorf("%v", err)
		return 1
	}
	nodes, err := parseNodeIdentities(append(append([]string{}, l.nodeIdents...), u.appendNodeIdents...))
	if err != nil {
		c.errorf("%v", err)
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	if id, err = tokenIDFromPartial(client, id); err != nil {
		c.errorf("Error determining token ID: %v", err)
		return 1
	}
	t, _, err := client.ACL().TokenRead(id, nil)
	if err != nil {
		c.errorf("Error when retrieving current token: %v", err)
		return 1
	}
	if u.description != "" {
		// An empty description keeps the current one, as Consul does.
		t.Description = u.description
	}

	// Links given with the plain flags replace the current ones (unless a
	// deprecated -merge-* flag asks to keep them); -append-* flags add.
	policies, ok := c.policyLinks(client, append(l.policyNames, u.appendPolicyNames...), append(l.policyIDs, u.appendPolicyIDs...))
	if !ok {
		return 1
	}
	t.Policies = updateLinks(t.Policies, policies, len(l.policyIDs)+len(l.policyNames) > 0 && !u.mergePolicies)
	roles, ok := c.roleLinks(client, append(l.roleNames, u.appendRoleNames...), append(l.roleIDs, u.appendRoleIDs...))
	if !ok {
		return 1
	}
	t.Roles = updateLinks(t.Roles, roles, len(l.roleIDs)+len(l.roleNames) > 0 && !u.mergeRoles)

	if len(l.serviceIdents) > 0 && !u.mergeServiceIdents {
		t.ServiceIdentities = svcs
	} else {
		for _, s := range svcs {
			replaced := false
			for i, cur := range t.ServiceIdentities {
				if cur.ServiceName == s.ServiceName {
					t.ServiceIdentities[i], replaced = s, true
				}
			}
			if !replaced {
				t.ServiceIdentities = append(t.ServiceIdentities, s)
			}
		}
	}
	if len(l.nodeIdents) > 0 && !u.mergeNodeIdents {
		t.NodeIdentities = nodes
	} else {
		for _, n := range nodes {
			found := false
			for _, cur := range t.NodeIdentities {
				found = found || (cur.NodeName == n.NodeName && cur.Datacenter == n.Datacenter)
			}
			if !found {
				t.NodeIdentities = append(t.NodeIdentities, n)
			}
		}
	}

	t.ExpirationTTL = 0
	updated, _, err := client.ACL().TokenUpdate(t, nil)
	if err != nil {
		c.errorf("Failed to update token %s: %v", id, err)
		return 1
	}
	c.printToken(format, updated, meta)
	return 0
}

// updateLinks replaces cur with add, or adds to cur the links it does not
// already hold (by ID or by name).
func updateLinks(cur, add []*api.ACLLink, replace bool) []*api.ACLLink {
	if replace {
		return add
	}
	for _, a := range add {
		found := false
		for _, c := range cur {
			found = found || (a.ID != "" && c.ID == a.ID) || (a.Name != "" && c.Name == a.Name)
		}
		if !found {
			cur = append(cur, a)
		}
	}
	return cur
}
