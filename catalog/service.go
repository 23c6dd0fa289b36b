package catalog

// Weights steer DNS SRV answers; Passing and Warning are Consul's names.
type Weights struct {
	Passing int
	Warning int
}

// NodeService is a service instance as registered on one node.
type NodeService struct {
	ID                string
	Service           string
	Tags              []string
	Address           string
	Meta              map[string]string
	Port              int
	Weights           *Weights `json:",omitempty"`
	EnableTagOverride bool
	CreateIndex       uint64
	ModifyIndex       uint64
}

// ServiceNode is one row of the services table: a service instance joined
// with the node it runs on. The HTTP layer renders it as Consul's
// CatalogService.
type ServiceNode struct {
	ID                       string // node ID
	Node                     string
	Address                  string
	Datacenter               string
	TaggedAddresses          map[string]string
	NodeMeta                 map[string]string
	ServiceID                string
	ServiceName              string
	ServiceTags              []string
	ServiceAddress           string
	ServiceMeta              map[string]string
	ServicePort              int
	ServiceWeights           Weights
	ServiceEnableTagOverride bool
	CreateIndex              uint64
	ModifyIndex              uint64
}

// NodeServices is a node together with every service registered on it.
type NodeServices struct {
	Node     *Node
	Services map[string]*NodeService
}
