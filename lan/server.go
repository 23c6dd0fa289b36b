package lan

import (
	"net"
	"strconv"
)

// Tag names and values, as Consul's agents advertise them in serf.
const (
	TagRole        = "role"
	TagDatacenter  = "dc"
	TagPort        = "port"
	TagExpect      = "expect"
	TagBootstrap   = "bootstrap"
	TagID          = "id"
	TagRaftVersion = "raft_vsn"
	TagBuild       = "build"
	TagVsn         = "vsn"
	TagVsnMin      = "vsn_min"
	TagVsnMax      = "vsn_max"

	RoleServer = "consul"
	RoleClient = "node"
)

// Protocol versions advertised in the vsn tags (Consul's values).
const (
	protocolVsn    = "2"
	protocolVsnMin = "2"
	protocolVsnMax = "3"
)

// Server is a Consul server as advertised by its LAN tags.
type Server struct {
	Name        string
	ID          string
	Datacenter  string
	Addr        net.TCPAddr // member IP + the "port" tag (the server RPC port)
	Bootstrap   bool
	Expect      int
	RaftVersion int
	Build       string
	Status      MemberStatus
}

// ServerFromMember parses a server's tags. ok is false when the member is
// not a server (role is not "consul") or when its numeric tags do not parse;
// "port" is required, "expect" and "raft_vsn" default to 0 when absent.
// Like Consul, the presence of "bootstrap" means bootstrap mode.
func ServerFromMember(m Member) (*Server, bool) {
	if m.Tags[TagRole] != RoleServer {
		return nil, false
	}
	port, err := strconv.Atoi(m.Tags[TagPort])
	if err != nil || port <= 0 || port > 65535 {
		return nil, false
	}
	expect, ok := optionalInt(m.Tags, TagExpect)
	if !ok {
		return nil, false
	}
	raftVsn, ok := optionalInt(m.Tags, TagRaftVersion)
	if !ok {
		return nil, false
	}
	_, bootstrap := m.Tags[TagBootstrap]
	return &Server{
		Name:        m.Name,
		ID:          m.Tags[TagID],
		Datacenter:  m.Tags[TagDatacenter],
		Addr:        net.TCPAddr{IP: append(net.IP(nil), m.Addr...), Port: port},
		Bootstrap:   bootstrap,
		Expect:      expect,
		RaftVersion: raftVsn,
		Build:       m.Tags[TagBuild],
		Status:      m.Status,
	}, true
}

// optionalInt parses tags[key] as a non-negative int; absent means 0.
func optionalInt(tags map[string]string, key string) (int, bool) {
	s, present := tags[key]
	if !present {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// ServerTags returns the LAN tags of a server agent. As in Consul,
// "bootstrap" is present ("1") only in bootstrap mode and "expect" only
// when expect > 0.
func ServerTags(nodeID, dc string, rpcPort int, expect int, bootstrap bool, raftVersion int, build string) map[string]string {
	tags := map[string]string{
		TagRole:        RoleServer,
		TagDatacenter:  dc,
		TagPort:        strconv.Itoa(rpcPort),
		TagID:          nodeID,
		TagRaftVersion: strconv.Itoa(raftVersion),
		TagBuild:       build,
		TagVsn:         protocolVsn,
		TagVsnMin:      protocolVsnMin,
		TagVsnMax:      protocolVsnMax,
	}
	if expect > 0 {
		tags[TagExpect] = strconv.Itoa(expect)
	}
	if bootstrap {
		tags[TagBootstrap] = "1"
	}
	return tags
}

// ClientTags returns the LAN tags of a client agent.
func ClientTags(nodeID, dc, build string) map[string]string {
	return map[string]string{
		TagRole:       RoleClient,
		TagDatacenter: dc,
		TagID:         nodeID,
		TagBuild:      build,
		TagVsn:        protocolVsn,
		TagVsnMin:     protocolVsnMin,
		TagVsnMax:     protocolVsnMax,
	}
}
