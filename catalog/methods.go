package catalog

// RPC method names: the contract between agents and servers. Each names the
// argument and reply types it takes.
const (
	MethodCatalogRegister     = "Catalog.Register"              // *RegisterRequest, *struct{}
	MethodCatalogDeregister   = "Catalog.Deregister"            // *DeregisterRequest, *struct{}
	MethodCatalogDatacenters  = "Catalog.Datacenters"           // *DCRequest, *[]string
	MethodCatalogNodes        = "Catalog.ListNodes"             // *DCRequest, *IndexedNodes
	MethodCatalogServices     = "Catalog.ListServices"          // *DCRequest, *IndexedServices
	MethodCatalogServiceNodes = "Catalog.ServiceNodes"          // *ServiceRequest, *IndexedServiceNodes
	MethodCatalogNodeServices = "Catalog.NodeServices"          // *NodeRequest, *IndexedNodeServices
	MethodHealthServiceNodes  = "Health.ServiceNodes"           // *ServiceRequest, *IndexedCheckServiceNodes
	MethodHealthServiceChecks = "Health.ServiceChecks"          // *ServiceRequest, *IndexedHealthChecks
	MethodHealthNodeChecks    = "Health.NodeChecks"             // *NodeRequest, *IndexedHealthChecks
	MethodHealthChecksInState = "Health.ChecksInState"          // *ChecksInStateRequest, *IndexedHealthChecks
	MethodKVApply             = "KVS.Apply"                     // *KVRequest, *bool
	MethodKVGet               = "KVS.Get"                       // *KeyRequest, *IndexedKVEntries
	MethodKVList              = "KVS.List"                      // *KeyRequest, *IndexedKVEntries
	MethodKVListKeys          = "KVS.ListKeys"                  // *KeyListRequest, *IndexedKeyList
	MethodTxnApply            = "Txn.Apply"                     // *TxnRequest, *TxnResponse
	MethodStatusLeader        = "Status.Leader"                 // *DCRequest, *string
	MethodStatusPeers         = "Status.Peers"                  // *DCRequest, *[]string
	MethodStatusPing          = "Status.Ping"                   // *struct{}, *struct{}
	MethodStatusRaftStats     = "Status.RaftStats"              // *struct{}, *RaftStats
	MethodOperatorRaftConfig  = "Operator.RaftGetConfiguration" // *DCRequest, *RaftConfigurationResponse
	MethodOperatorRaftRemove  = "Operator.RaftRemovePeer"       // *RaftRemovePeerRequest, *struct{}
)

// IsWrite reports whether method changes state. A write is retried on
// another server only when it certainly never left this one, because a
// write whose answer was lost may have been applied; a read is retried
// after any transport failure. A method not listed here is a read, so a
// new write method must be added.
func IsWrite(method string) bool {
	switch method {
	case MethodCatalogRegister, MethodCatalogDeregister, MethodKVApply,
		MethodTxnApply, MethodOperatorRaftRemove:
		return true
	}
	return false
}
