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
	MethodStatusReadIndex     = "Status.ReadIndex"              // *ReadIndexRequest, *ReadIndexReply
	MethodOperatorRaftConfig  = "Operator.RaftGetConfiguration" // *DCRequest, *RaftConfigurationResponse
	MethodOperatorRaftRemove  = "Operator.RaftRemovePeer"       // *RaftRemovePeerRequest, *struct{}
	// MethodOperatorRaftTransfer hands leadership over; the reply says
	// whether the transfer finished. Never retried on another server.
	MethodOperatorRaftTransfer    = "Operator.RaftLeadershipTransfer"    // *RaftTransferLeaderRequest, *bool
	MethodOperatorAutopilotGet    = "Operator.AutopilotGetConfiguration" // *DCRequest, *AutopilotConfig
	MethodOperatorAutopilotSet    = "Operator.AutopilotSetConfiguration" // *AutopilotSetRequest, *bool
	MethodOperatorAutopilotHealth = "Operator.ServerHealth"              // *DCRequest, *AutopilotHealthReply
	MethodSessionApply            = "Session.Apply"                      // *SessionRequest, *string (the ID)
	MethodSessionGet              = "Session.Get"                        // *SessionSpecificRequest, *IndexedSessions
	MethodSessionList             = "Session.List"                       // *DCRequest, *IndexedSessions
	MethodSessionNode             = "Session.NodeSessions"               // *NodeRequest, *IndexedSessions
	// MethodSessionRenew resets the TTL timer on the leader; an unknown
	// session answers ErrNotFound. Renewing twice is harmless, so it is
	// retried as a read is.
	MethodSessionRenew = "Session.Renew" // *SessionSpecificRequest, *IndexedSessions

	// ACL methods. Reads answer 401 (catalog.ErrACLDisabled) when ACLs are
	// off; every method needs acl:read or acl:write except Bootstrap,
	// Resolve and a token's read of itself (ACLReadRequest.BySecret).
	MethodACLBootstrap    = "ACL.Bootstrap"    // *ACLRequest, *ACLToken
	MethodACLTokenSet     = "ACL.TokenSet"     // *ACLRequest{Token, Create}, *ACLToken
	MethodACLTokenRead    = "ACL.TokenRead"    // *ACLReadRequest, *IndexedACLTokens
	MethodACLTokenDelete  = "ACL.TokenDelete"  // *ACLRequest{ID}, *struct{}
	MethodACLTokenList    = "ACL.TokenList"    // *ACLListRequest, *IndexedACLTokens
	MethodACLTokenClone   = "ACL.TokenClone"   // *ACLRequest{ID, Token.Description}, *ACLToken
	MethodACLPolicySet    = "ACL.PolicySet"    // *ACLRequest{Policy, Create}, *ACLPolicy
	MethodACLPolicyRead   = "ACL.PolicyRead"   // *ACLReadRequest{ID or Name}, *IndexedACLPolicies
	MethodACLPolicyDelete = "ACL.PolicyDelete" // *ACLRequest{ID}, *struct{}
	MethodACLPolicyList   = "ACL.PolicyList"   // *ACLListRequest, *IndexedACLPolicies
	MethodACLRoleSet      = "ACL.RoleSet"      // *ACLRequest{Role, Create}, *ACLRole
	MethodACLRoleRead     = "ACL.RoleRead"     // *ACLReadRequest{ID or Name}, *IndexedACLRoles
	MethodACLRoleDelete   = "ACL.RoleDelete"   // *ACLRequest{ID}, *struct{}
	MethodACLRoleList     = "ACL.RoleList"     // *ACLListRequest, *IndexedACLRoles
	MethodACLResolve      = "ACL.Resolve"      // *ACLResolveRequest, *ACLIdentity
	// MethodACLReplicationStatus is answered by the datacenter's leader,
	// which runs the replication; it needs no ACL (Consul documents none).
	MethodACLReplicationStatus = "ACL.ReplicationStatus" // *DCRequest, *ACLReplicationStatus

	// MethodAutoEncryptSign signs a client agent's certificate
	// (auto_encrypt). It is the one method a server with
	// auto_encrypt.allow_tls serves on a TLS connection without a client
	// certificate; it needs node:write on the node when ACLs are on. It
	// changes no state, so it is retried like a read.
	MethodAutoEncryptSign = "AutoEncrypt.Sign" // *AutoEncryptSignRequest, *AutoEncryptSignReply

	// Snapshot methods move a whole archive (catalog/snapshot) as one
	// message; both need acl:write. Save is a read: ?stale lets any
	// server answer from its own replica.
	MethodSnapshotSave    = "Snapshot.Save"    // *SnapshotSaveRequest, *SnapshotReply
	MethodSnapshotRestore = "Snapshot.Restore" // *SnapshotRestoreRequest, *SnapshotReply

	// Coordinate methods. Update is queued on the leader and written in
	// batches (needs node:write); the reads filter by node:read.
	// ListDatacenters is answered by whichever server receives it.
	MethodCoordinateUpdate          = "Coordinate.Update"          // *CoordinateUpdateRequest, *struct{}
	MethodCoordinateListNodes       = "Coordinate.ListNodes"       // *DCRequest, *IndexedCoordinates
	MethodCoordinateNode            = "Coordinate.Node"            // *NodeRequest, *IndexedCoordinates
	MethodCoordinateListDatacenters = "Coordinate.ListDatacenters" // *DCRequest, *[]*DatacenterMap

	// Prepared query methods (query:read / query:write on the name).
	MethodPreparedQueryApply   = "PreparedQuery.Apply"   // *PreparedQueryRequest, *string (the ID)
	MethodPreparedQueryGet     = "PreparedQuery.Get"     // *PreparedQuerySpecificRequest, *IndexedPreparedQueries
	MethodPreparedQueryList    = "PreparedQuery.List"    // *DCRequest, *IndexedPreparedQueries
	MethodPreparedQueryExplain = "PreparedQuery.Explain" // *PreparedQueryExecuteRequest, *PreparedQueryExplainResponse
	MethodPreparedQueryExecute = "PreparedQuery.Execute" // *PreparedQueryExecuteRequest, *PreparedQueryExecuteResponse
	// MethodPreparedQueryExecuteRemote runs a query another datacenter
	// resolved, in this one, without failover: the target of failover.
	MethodPreparedQueryExecuteRemote = "PreparedQuery.ExecuteRemote" // *PreparedQueryExecuteRemoteRequest, *PreparedQueryExecuteResponse
)

// IsWrite reports whether method changes state. A write is retried on
// another server only when it certainly never left this one, because a
// write whose answer was lost may have been applied; a read is retried
// after any transport failure. A method not listed here is a read, so a
// new write method must be added.
func IsWrite(method string) bool {
	switch method {
	case MethodCatalogRegister, MethodCatalogDeregister, MethodKVApply,
		MethodTxnApply, MethodOperatorRaftRemove, MethodSessionApply,
		MethodOperatorRaftTransfer, MethodOperatorAutopilotSet,
		MethodACLBootstrap, MethodACLTokenSet, MethodACLTokenDelete, MethodACLTokenClone,
		MethodACLPolicySet, MethodACLPolicyDelete, MethodACLRoleSet, MethodACLRoleDelete,
		MethodSnapshotRestore, MethodCoordinateUpdate, MethodPreparedQueryApply:
		return true
	}
	return false
}
