package template

import (
	"sort"

	"github.com/hashicorp/consul/api"
)

// The types below are what the API functions return. Their field names
// and order are consul-template v0.42.1's (package dependency): templates
// read the same fields, and toJSON of a result gives the same bytes
// (TestCompatWithConsulTemplate).

// ServiceTags is a service's tags, sorted.
type ServiceTags []string

// Contains reports whether tag is one of the tags ({{ if .Tags.Contains "x" }}).
func (t ServiceTags) Contains(tag string) bool {
	for _, x := range t {
		if x == tag {
			return true
		}
	}
	return false
}

func sortedTags(tags []string) ServiceTags {
	out := make(ServiceTags, len(tags))
	copy(out, tags)
	sort.Strings(out)
	return out
}

// HealthService is one instance returned by "service".
type HealthService struct {
	Node                   string
	NodeID                 string
	NodeAddress            string
	NodeTaggedAddresses    map[string]string
	NodeMeta               map[string]string
	ServiceMeta            map[string]string
	Address                string
	ServiceTaggedAddresses map[string]api.ServiceAddress
	ID                     string
	Name                   string
	Tags                   ServiceTags
	Checks                 api.HealthChecks
	Status                 string
	Port                   int
	Weights                api.AgentWeights
}

// CatalogSnippet is one service name returned by "services".
type CatalogSnippet struct {
	Name string
	Tags ServiceTags
}

// Node is one node returned by "nodes", and the node of "node".
type Node struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
}

// CatalogNodeService is one service of the node returned by "node".
type CatalogNodeService struct {
	ID                string
	Service           string
	Tags              ServiceTags
	Meta              map[string]string
	Port              int
	Address           string
	EnableTagOverride bool
}

// CatalogNode is what "node" returns.
type CatalogNode struct {
	Node     *Node
	Services []*CatalogNodeService
}

// KeyPair is one entry returned by "ls" and "tree": Key is relative to
// the prefix asked for, Path is the full key.
type KeyPair struct {
	Path        string
	Key         string
	Value       string
	CreateIndex uint64
	ModifyIndex uint64
	LockIndex   uint64
	Flags       uint64
	Session     string
}
