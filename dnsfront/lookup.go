package dnsfront

import (
	"context"
	"net"

	"github.com/concord-dev/concord/catalog"
)

// Lookup is all the DNS front end reads from the catalog. The agent
// implements it with server RPCs that carry its DNS token, so what the
// token may not read is simply absent. A datacenter the agent cannot
// reach answers catalog.ErrUnknownDC. Methods are called concurrently.
type Lookup interface {
	// ServiceNodes returns every instance of service with its checks,
	// healthy or not; nil when there is none. Tags and health are
	// filtered here, so one answer serves every form of the name.
	ServiceNodes(ctx context.Context, dc, service string) (catalog.CheckServiceNodes, error)
	// Node returns a node, or nil when it is unknown.
	Node(ctx context.Context, dc, node string) (*catalog.Node, error)
	// Reverse returns the names of the nodes whose address is ip and of
	// the services registered with ip as their own address.
	Reverse(ctx context.Context, dc string, ip net.IP) (nodes, services []string, err error)
	// PreparedQuery executes the prepared query with that ID or name
	// (templates included) in dc. Its answer holds only the instances
	// the query keeps, the datacenter that answered them (another one
	// after a failover) and the query's DNS TTL. catalog.ErrNotFound
	// (wrapped) when no query matches.
	PreparedQuery(ctx context.Context, dc, name string) (*catalog.PreparedQueryExecuteResponse, error)
}
