package catalog

import "testing"

func TestIsWrite(t *testing.T) {
	writes := []string{MethodCatalogRegister, MethodCatalogDeregister, MethodKVApply, MethodTxnApply, MethodOperatorRaftRemove, MethodSessionApply,
		MethodCoordinateUpdate, MethodPreparedQueryApply}
	reads := []string{MethodCatalogDatacenters, MethodCatalogNodes, MethodCatalogServices, MethodCatalogServiceNodes,
		MethodCatalogNodeServices, MethodKVGet, MethodKVList, MethodKVListKeys, MethodStatusLeader, MethodStatusPeers,
		MethodStatusPing, MethodStatusRaftStats, MethodOperatorRaftConfig,
		MethodSessionGet, MethodSessionList, MethodSessionNode, MethodSessionRenew,
		MethodCoordinateListNodes, MethodCoordinateNode, MethodCoordinateListDatacenters,
		MethodPreparedQueryGet, MethodPreparedQueryList, MethodPreparedQueryExplain,
		MethodPreparedQueryExecute, MethodPreparedQueryExecuteRemote}
	for _, m := range writes {
		if !IsWrite(m) {
			t.Errorf("%s is a write: a lost answer must not make it retry", m)
		}
	}
	for _, m := range reads {
		if IsWrite(m) {
			t.Errorf("%s is a read", m)
		}
	}
}
