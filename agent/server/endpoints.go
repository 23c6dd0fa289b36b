package server

import "github.com/concord-dev/concord/catalog"

func (s *Server) registerEndpoints() {
	m := map[string]endpoint{}
	handle(m, catalog.MethodCatalogRegister, s.catalogRegister)
	handle(m, catalog.MethodCatalogDeregister, s.catalogDeregister)
	handle(m, catalog.MethodCatalogDatacenters, s.catalogDatacenters)
	handle(m, catalog.MethodCatalogNodes, s.catalogListNodes)
	handle(m, catalog.MethodCatalogServices, s.catalogListServices)
	handle(m, catalog.MethodCatalogServiceNodes, s.catalogServiceNodes)
	handle(m, catalog.MethodCatalogNodeServices, s.catalogNodeServices)
	handle(m, catalog.MethodHealthServiceNodes, s.healthServiceNodes)
	handle(m, catalog.MethodHealthServiceChecks, s.healthServiceChecks)
	handle(m, catalog.MethodHealthNodeChecks, s.healthNodeChecks)
	handle(m, catalog.MethodHealthChecksInState, s.healthChecksInState)
	handle(m, catalog.MethodKVApply, s.kvApply)
	handle(m, catalog.MethodKVGet, s.kvGet)
	handle(m, catalog.MethodKVList, s.kvList)
	handle(m, catalog.MethodKVListKeys, s.kvListKeys)
	handle(m, catalog.MethodTxnApply, s.txnApply)
	handle(m, catalog.MethodStatusLeader, s.statusLeader)
	handle(m, catalog.MethodStatusPeers, s.statusPeers)
	handle(m, catalog.MethodStatusPing, s.statusPing)
	handle(m, catalog.MethodStatusRaftStats, s.statusRaftStats)
	handle(m, catalog.MethodOperatorRaftConfig, s.operatorRaftConfig)
	handle(m, catalog.MethodOperatorRaftRemove, s.operatorRaftRemovePeer)
	s.endpoints = m
}
