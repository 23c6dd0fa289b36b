package agent

import (
	"context"
	"net"
	"strconv"
	"strings"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/dnsfront"
)

// dnsLookup is the catalog as DNS reads it: server RPCs carrying the
// agent's DNS token (else its default token, else none: anonymous), stale
// unless dns_config says otherwise. The servers drop what the token may
// not read, so DNS never shows it.
type dnsLookup struct{ a *Agent }

var _ dnsfront.Lookup = dnsLookup{}

func (l dnsLookup) options(dc string) catalog.QueryOptions {
	token := l.a.AgentToken("dns")
	if token == "" {
		token = l.a.AgentToken("default")
	}
	return catalog.QueryOptions{Datacenter: dc, Token: token, AllowStale: l.a.cfg.DNS.AllowStale}
}

// read runs a read; a stale answer older than dns_config.max_stale is
// asked again of the leader.
func (l dnsLookup) read(ctx context.Context, method string, opts *catalog.QueryOptions, args interface{}, reply interface{}, meta *catalog.QueryMeta) error {
	if err := l.a.RPC(ctx, method, args, reply); err != nil {
		return err
	}
	if opts.AllowStale && meta.LastContact > l.a.cfg.DNS.MaxStale {
		opts.AllowStale = false
		return l.a.RPC(ctx, method, args, reply)
	}
	return nil
}

func (l dnsLookup) ServiceNodes(ctx context.Context, dc, service string) (catalog.CheckServiceNodes, error) {
	args := catalog.ServiceRequest{QueryOptions: l.options(dc), ServiceName: service}
	var reply catalog.IndexedCheckServiceNodes
	if err := l.read(ctx, catalog.MethodHealthServiceNodes, &args.QueryOptions, &args, &reply, &reply.QueryMeta); err != nil {
		return nil, err
	}
	return reply.Nodes, nil
}

func (l dnsLookup) Node(ctx context.Context, dc, node string) (*catalog.Node, error) {
	args := catalog.NodeRequest{QueryOptions: l.options(dc), Node: node}
	var reply catalog.IndexedNodeServices
	if err := l.read(ctx, catalog.MethodCatalogNodeServices, &args.QueryOptions, &args, &reply, &reply.QueryMeta); err != nil {
		return nil, err
	}
	if reply.NodeServices == nil {
		return nil, nil
	}
	return reply.NodeServices.Node, nil
}

// Reverse walks the node list, then, when no node has the address, every
// service's instances: costly on a large catalog, but PTR queries are
// rare and their answers are cached like the others.
func (l dnsLookup) Reverse(ctx context.Context, dc string, ip net.IP) (nodes, services []string, err error) {
	args := catalog.DCRequest{QueryOptions: l.options(dc)}
	var list catalog.IndexedNodes
	if err := l.read(ctx, catalog.MethodCatalogNodes, &args.QueryOptions, &args, &list, &list.QueryMeta); err != nil {
		return nil, nil, err
	}
	for _, n := range list.Nodes {
		if sameIP(n.Address, ip) {
			nodes = append(nodes, n.Node)
		}
	}
	if len(nodes) > 0 {
		return nodes, nil, nil
	}
	args = catalog.DCRequest{QueryOptions: l.options(dc)}
	var svcs catalog.IndexedServices
	if err := l.read(ctx, catalog.MethodCatalogServices, &args.QueryOptions, &args, &svcs, &svcs.QueryMeta); err != nil {
		return nil, nil, err
	}
	for name := range svcs.Services {
		sargs := catalog.ServiceRequest{QueryOptions: l.options(dc), ServiceName: name}
		var insts catalog.IndexedServiceNodes
		if err := l.read(ctx, catalog.MethodCatalogServiceNodes, &sargs.QueryOptions, &sargs, &insts, &insts.QueryMeta); err != nil {
			return nil, nil, err
		}
		for _, in := range insts.ServiceNodes {
			if sameIP(in.ServiceAddress, ip) {
				services = append(services, name)
				break
			}
		}
	}
	return nil, services, nil
}

func sameIP(addr string, ip net.IP) bool {
	a := net.ParseIP(addr)
	return a != nil && a.Equal(ip)
}

// startDNS serves DNS on ports.dns (-1: off) at addresses.dns.
func (a *Agent) startDNS() error {
	if a.cfg.Ports.DNS >= 0 {
		a.zoneSlot = &dnsfront.ExportSlot{}
	}
	// Before the port check: RFC 2136 pushes run without a DNS port.
	if err := a.startZoneExport(a.cfg.DNS); err != nil {
		return err
	}
	if a.cfg.Ports.DNS < 0 {
		return nil
	}
	cfg := dnsfront.DefaultConfig()
	cfg.Domain = a.cfg.Domain
	cfg.AltDomain = a.cfg.AltDomain
	cfg.Datacenter = a.cfg.Datacenter
	cfg.NodeTTL = a.cfg.DNS.NodeTTL
	cfg.ServiceTTL = a.cfg.DNS.ServiceTTL
	cfg.UDPAnswerLimit = a.cfg.DNS.UDPAnswerLimit
	cfg.OnlyPassing = a.cfg.DNS.OnlyPassing
	cfg.Recursors = a.cfg.Recursors
	cfg.RecursorTimeout = a.cfg.DNS.RecursorTimeout
	s := a.cfg.DNS.SOA
	cfg.SOA = dnsfront.SOA{Refresh: uint32(s.Refresh), Retry: uint32(s.Retry), Expire: uint32(s.Expire), MinTTL: uint32(s.MinTTL)}
	cfg.Export = a.zoneSlot
	srv, err := dnsfront.New(cfg, dnsLookup{a}, a.logger.Named("dns"))
	if err != nil {
		return err
	}
	a.dns = srv
	if err := a.metrics.Register(a.metrics.DNSCollector(srv.Counters().Snapshot)); err != nil {
		return err
	}
	hosts := a.cfg.DNSAddrs
	if len(hosts) == 0 {
		hosts = a.cfg.ClientAddrs
	}
	for _, host := range hosts {
		addr := net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(a.cfg.Ports.DNS))
		if _, err := srv.Listen(addr); err != nil {
			return err
		}
	}
	return nil
}

// DNSAddrs are the addresses DNS listens on, UDP and TCP alike.
func (a *Agent) DNSAddrs() []net.Addr {
	if a.dns == nil {
		return nil
	}
	return a.dns.Addrs()
}

// PreparedQuery executes a query as the DNS interface does in Consul:
// with the DNS token, sorted from this agent when the query's Near asks
// for "_agent".
func (l dnsLookup) PreparedQuery(ctx context.Context, dc, name string) (*catalog.PreparedQueryExecuteResponse, error) {
	self := catalog.QuerySource{Datacenter: l.a.cfg.Datacenter, Node: l.a.cfg.NodeName}
	args := catalog.PreparedQueryExecuteRequest{QueryOptions: l.options(dc), QueryIDOrName: name, Agent: self}
	var reply catalog.PreparedQueryExecuteResponse
	if err := l.read(ctx, catalog.MethodPreparedQueryExecute, &args.QueryOptions, &args, &reply, &reply.QueryMeta); err != nil {
		return nil, err
	}
	return &reply, nil
}
