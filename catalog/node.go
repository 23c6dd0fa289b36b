package catalog

// Node is a machine known to the catalog.
type Node struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
	CreateIndex     uint64
	ModifyIndex     uint64
}

// Nodes is a list of nodes, ordered by name when returned by the store.
type Nodes []*Node
