package command

import (
	"flag"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/consul/api"
)

func membersSpec() spec {
	return spec{
		synopsis: "Lists the members of a concord cluster",
		usage: `
Usage: concord members [options]

  Outputs the members of a running concord agent.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var detailed, wan bool
			fs.BoolVar(&detailed, "detailed", false,
				"Provides detailed information about nodes.")
			fs.BoolVar(&wan, "wan", false, "If the agent is in server mode, this "+
				"can be used to return the other peers in the WAN pool.")
			status := fs.String("status", ".*", "If provided, output is filtered to "+
				"only nodes matching the regular expression for status.")
			h := clientFlags(fs)
			return func(args []string) int {
				return c.members(h, detailed, wan, *status)
			}
		},
	}
}

func (c *cli) members(h *httpFlags, detailed, wan bool, status string) int {
	statusRe, err := regexp.Compile(status)
	if err != nil {
		c.errorf("Failed to compile status regexp: %v", err)
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	all, err := client.Agent().Members(wan)
	if err != nil {
		c.errorf("Error retrieving members: %s", err)
		return 1
	}

	// Fill the partition and segment tags as Consul does before printing,
	// so -detailed shows them too, and keep the members whose status
	// matches.
	var members []*api.AgentMember
	for _, m := range all {
		if m.Tags == nil {
			m.Tags = map[string]string{}
		}
		if m.Tags[api.MemberTagKeyPartition] == "" {
			m.Tags[api.MemberTagKeyPartition] = "default"
		}
		if isDefaultPartition(m.Tags[api.MemberTagKeyPartition]) {
			if m.Tags[api.MemberTagKeyRole] == api.MemberTagValueRoleServer {
				m.Tags[api.MemberTagKeySegment] = "<all>"
			} else if m.Tags[api.MemberTagKeySegment] == "" {
				m.Tags[api.MemberTagKeySegment] = "<default>"
			}
		} else {
			m.Tags[api.MemberTagKeySegment] = ""
		}
		if statusRe.MatchString(memberStatus(m.Status)) {
			members = append(members, m)
		}
	}
	if len(members) == 0 {
		// Consul's exit code for "nothing matched", with no output.
		return 2
	}
	sort.SliceStable(members, func(i, j int) bool { return memberLess(members[i], members[j]) })

	if detailed {
		c.out(detailedMembers(members))
	} else {
		c.out(standardMembers(members))
	}
	return 0
}

// memberStatus names serf's member status number.
func memberStatus(s int) string {
	switch s {
	case 0:
		return "none"
	case 1:
		return "alive"
	case 2:
		return "leaving"
	case 3:
		return "left"
	case 4:
		return "failed"
	}
	return "unknown"
}

func isDefaultPartition(p string) bool { return p == "" || p == "default" }

// memberLess orders as Consul's members output: servers first, then the
// default partition, then by segment, partition and finally name.
func memberLess(a, b *api.AgentMember) bool {
	aServer := a.Tags[api.MemberTagKeyRole] == api.MemberTagValueRoleServer
	bServer := b.Tags[api.MemberTagKeyRole] == api.MemberTagValueRoleServer
	if aServer != bServer {
		return aServer
	}
	aPart, bPart := a.Tags[api.MemberTagKeyPartition], b.Tags[api.MemberTagKeyPartition]
	if isDefaultPartition(aPart) != isDefaultPartition(bPart) {
		return isDefaultPartition(aPart)
	}
	if aSeg, bSeg := a.Tags[api.MemberTagKeySegment], b.Tags[api.MemberTagKeySegment]; aSeg != bSeg {
		return aSeg < bSeg
	}
	if aPart != bPart {
		return aPart < bPart
	}
	return a.Name < b.Name
}

func memberAddr(m *api.AgentMember) string {
	addr := net.TCPAddr{IP: net.ParseIP(m.Addr), Port: int(m.Port)}
	return addr.String()
}

func standardMembers(members []*api.AgentMember) string {
	t := newTable("Node", "Address", "Status", "Type", "Build", "Protocol", "DC", "Partition", "Segment")
	for _, m := range members {
		build := m.Tags["build"]
		if build == "" {
			build = "< 0.3"
		} else if i := strings.Index(build, ":"); i >= 0 {
			build = build[:i]
		}
		role := "unknown"
		switch m.Tags[api.MemberTagKeyRole] {
		case api.MemberTagValueRoleServer:
			role = "server"
		case api.MemberTagValueRoleClient:
			role = "client"
		}
		if role == "unknown" {
			t.add(m.Name, memberAddr(m), memberStatus(m.Status), role, "", "", "", "", "")
			continue
		}
		t.add(m.Name, memberAddr(m), memberStatus(m.Status), role, build, m.Tags["vsn"],
			m.Tags[api.MemberTagKeyDatacenter], m.Tags[api.MemberTagKeyPartition],
			m.Tags[api.MemberTagKeySegment])
	}
	return t.String()
}

func detailedMembers(members []*api.AgentMember) string {
	t := newTable("Node", "Address", "Status", "Tags")
	for _, m := range members {
		t.add(m.Name, memberAddr(m), memberStatus(m.Status), joinPairs(m.Tags, ","))
	}
	return t.String()
}

// joinPairs renders a map as sorted key=value pairs.
func joinPairs(m map[string]string, sep string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = fmt.Sprintf("%s=%s", k, m[k])
	}
	return strings.Join(pairs, sep)
}
