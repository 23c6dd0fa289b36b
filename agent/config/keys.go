package config

// This file lists the keys a config file may hold: those concord implements
// (with the setter that decodes each) and Consul's documented keys that it
// does not implement yet, which load with a warning (see doc.go).

// topBlock describes the top level of a config file, decoding into p.
func topBlock(p *partial) *block {
	b := &block{
		name: "the top level",
		fields: map[string]setter{
			"acl": blockField(&block{
				name: `"acl"`,
				fields: map[string]setter{
					"enabled":                  boolField(&p.ACL.Enabled),
					"default_policy":           strField(&p.ACL.DefaultPolicy),
					"down_policy":              strField(&p.ACL.DownPolicy),
					"enable_token_persistence": boolField(&p.ACL.EnableTokenPersistence),
					"enable_token_replication": boolField(&p.ACL.EnableTokenReplication),
					"token_ttl":                durField(&p.ACL.TokenTTL),
					"tokens": blockField(&block{
						name: `"acl.tokens"`,
						fields: map[string]setter{
							"initial_management": strField(&p.ACL.InitialManagement),
							"master":             strField(&p.ACL.InitialManagement),
							"agent":              strField(&p.ACL.Agent),
							"agent_recovery":     strField(&p.ACL.AgentRecovery),
							"agent_master":       strField(&p.ACL.AgentRecovery),
							"default":            strField(&p.ACL.Default),
							"dns":                strField(&p.ACL.DNS),
							"replication":        strField(&p.ACL.Replication),
						},
						unsupported: []string{"config_file_service_registration", "managed_service_provider"},
					}),
				},
				unsupported: []string{"enable_key_list_policy", "policy_ttl", "role_ttl", "msp_disable_bootstrap"},
			}),
			"addresses": blockField(&block{
				name:        `"addresses"`,
				fields:      map[string]setter{"http": strField(&p.HTTPAddr), "https": strField(&p.HTTPSAddr), "dns": strField(&p.DNSAddr)},
				unsupported: []string{"grpc", "grpc_tls"},
			}),
			"advertise_addr":        strField(&p.AdvertiseAddr),
			"advertise_addr_wan":    strField(&p.AdvertiseAddrWAN),
			"start_join_wan":        listField(&p.StartJoinWAN),
			"retry_join_wan":        listField(&p.RetryJoinWAN),
			"retry_interval_wan":    durField(&p.RetryIntervalWAN),
			"retry_max_wan":         intField(&p.RetryMaxWAN),
			"auto_encrypt":          autoEncryptBlock(&p.AutoEncrypt),
			"bind_addr":             strField(&p.BindAddr),
			"bootstrap":             boolField(&p.Bootstrap),
			"bootstrap_expect":      intField(&p.BootstrapExpect),
			"check":                 checkField(&p.Checks, false),
			"checks":                checkField(&p.Checks, true),
			"check_update_interval": durField(&p.CheckUpdateInterval),
			"client_addr":           strField(&p.ClientAddr),
			"data_dir":              strField(&p.DataDir),
			"datacenter":            strField(&p.Datacenter),
			"disable_update_check":  boolField(&p.DisableUpdateCheck),
			"domain":                strField(&p.Domain),
			"alt_domain":            strField(&p.AltDomain),
			"dns_config": blockField(&block{
				name: `"dns_config"`,
				fields: map[string]setter{
					"allow_stale":      boolField(&p.DNS.AllowStale),
					"max_stale":        durField(&p.DNS.MaxStale),
					"node_ttl":         durField(&p.DNS.NodeTTL),
					"service_ttl":      durMapField(&p.DNS.ServiceTTL),
					"udp_answer_limit": intField(&p.DNS.UDPAnswerLimit),
					"only_passing":     boolField(&p.DNS.OnlyPassing),
					"recursor_timeout": durField(&p.DNS.RecursorTimeout),
					"enable_truncate":  boolField(&p.DNS.EnableTruncate),
					"zone_transfer":    zoneTransferBlock(&p.DNS.Zone),
					"zone_update":      zoneUpdateBlock(&p.DNS.Zone),
					"soa": blockField(&block{
						name: `"dns_config.soa"`,
						fields: map[string]setter{
							"refresh": intField(&p.DNS.SOARefresh),
							"retry":   intField(&p.DNS.SOARetry),
							"expire":  intField(&p.DNS.SOAExpire),
							"min_ttl": intField(&p.DNS.SOAMinTTL),
						},
					}),
				},
				unsupported: []string{"a_record_limit", "disable_compression", "enable_additional_node_meta_txt",
					"prefer_namespace", "use_cache", "cache_max_age", "recursor_strategy"},
			}),
			"enable_local_script_checks": boolField(&p.EnableLocalScriptChecks),
			"enable_script_checks":       boolField(&p.EnableScriptChecks),
			"enable_syslog":              boolField(&p.EnableSyslog),
			"encrypt":                    strField(&p.EncryptKey),
			"encrypt_verify_incoming":    boolField(&p.EncryptVerifyIncoming),
			"encrypt_verify_outgoing":    boolField(&p.EncryptVerifyOutgoing),
			"leave_on_terminate":         boolField(&p.LeaveOnTerm),
			"limits": blockField(&block{
				name:   `"limits"`,
				fields: map[string]setter{"http_max_conns_per_client": intField(&p.HTTPMaxConnsPerClient)},
				unsupported: []string{"https_handshake_timeout", "rpc_handshake_timeout", "rpc_client_timeout",
					"rpc_max_burst", "rpc_max_conns_per_client", "rpc_rate", "request_limits",
					"kv_max_value_size", "txn_max_req_len"},
			}),
			"log_json":  boolField(&p.LogJSON),
			"log_level": strField(&p.LogLevel),
			"node_id":   strField(&p.NodeID),
			"node_meta": mapField(&p.NodeMeta),
			"node_name": strField(&p.NodeName),
			"performance": blockField(&block{
				name: `"performance"`,
				fields: map[string]setter{
					"raft_multiplier":  intField(&p.RaftMultiplier),
					"rpc_hold_timeout": durField(&p.RPCHoldTimeout),
				},
				unsupported: []string{"leave_drain_time", "grpc_keepalive_interval", "grpc_keepalive_timeout"},
			}),
			"primary_datacenter": strField(&p.PrimaryDatacenter),
			"ports": blockField(&block{
				name: `"ports"`,
				fields: map[string]setter{
					"dns":      intField(&p.Ports.DNS),
					"http":     intField(&p.Ports.HTTP),
					"https":    intField(&p.Ports.HTTPS),
					"serf_lan": intField(&p.Ports.SerfLAN),
					"serf_wan": intField(&p.Ports.SerfWAN),
					"server":   intField(&p.Ports.Server),
				},
				unsupported: []string{"grpc", "grpc_tls", "sidecar_min_port", "sidecar_max_port", "expose_min_port", "expose_max_port"},
			}),
			"raft_protocol":           intField(&p.RaftProtocol),
			"raft_snapshot_interval":  durField(&p.RaftSnapshotInterval),
			"raft_snapshot_threshold": intField(&p.RaftSnapshotThreshold),
			"raft_trailing_logs":      intField(&p.RaftTrailingLogs),
			"reconnect_timeout":       durField(&p.ReconnectTimeout),
			"recursors":               listField(&p.Recursors),
			"retry_interval":          durField(&p.RetryInterval),
			"retry_join":              listField(&p.RetryJoin),
			"retry_max":               intField(&p.RetryMax),
			"server":                  boolField(&p.Server),
			"server_name":             strField(&p.ServerName),
			"session_ttl_min":         durField(&p.SessionTTLMin),
			"service":                 serviceField(&p.Services, false),
			"services":                serviceField(&p.Services, true),
			"skip_leave_on_interrupt": boolField(&p.SkipLeaveOnInt),
			"start_join":              listField(&p.StartJoin),
			"tls":                     tlsBlock(&p.TLS),
			"ui":                      boolField(&p.UI),
			"enable_debug":            boolField(&p.EnableDebug),
			"disable_coordinates":     boolField(&p.DisableCoordinates),
			"watches":                 watchesField(&p.Watches),
			"template":                templateField(&p.Templates),
			"autopilot": blockField(&block{
				name: `"autopilot"`,
				fields: map[string]setter{
					"cleanup_dead_servers":      boolField(&p.AutopilotCleanupDeadServers),
					"last_contact_threshold":    durField(&p.AutopilotLastContact),
					"max_trailing_logs":         intField(&p.AutopilotMaxTrailingLogs),
					"min_quorum":                intField(&p.AutopilotMinQuorum),
					"server_stabilization_time": durField(&p.AutopilotStabilization),
				},
				// Consul Enterprise's redundancy zones and upgrade migrations.
				unsupported: []string{"redundancy_zone_tag", "disable_upgrade_migration", "upgrade_version_tag"},
			}),
			"telemetry": blockField(&block{
				name: `"telemetry"`,
				fields: map[string]setter{
					"metrics_prefix":            strField(&p.MetricsPrefix),
					"prometheus_retention_time": durField(&p.PrometheusRetentionTime),
					"disable_hostname":          boolField(&p.DisableHostname),
				},
				unsupported: telemetryUnsupportedKeys(),
			}),
			"ui_config": blockField(&block{
				name:   `"ui_config"`,
				fields: map[string]setter{"enabled": boolField(&p.UIConfigEnabled)},
				unsupported: []string{"dir", "content_path", "metrics_provider", "metrics_provider_files",
					"metrics_provider_options_json", "metrics_proxy", "dashboard_url_templates"},
			}),
		},
		unsupported: consulOnlyTopKeys(),
	}
	for k, set := range legacyTLSKeys(&p.TLS) {
		b.fields[k] = set
	}
	return b
}

// consulOnlyTopKeys are Consul's documented top-level keys that concord
// does not implement yet.
func consulOnlyTopKeys() []string {
	return []string{
		"acl_agent_master_token", "acl_agent_token", "acl_datacenter",
		"acl_default_policy", "acl_down_policy", "acl_enable_key_list_policy",
		"acl_master_token", "acl_replication_token", "acl_token", "acl_ttl",
		"advertise_addr_ipv4", "advertise_addr_ipv6",
		"advertise_addr_wan_ipv4", "advertise_addr_wan_ipv6",
		"advertise_reconnect_timeout", "audit", "auto_config",
		"auto_reload_config",
		"cache", "check_output_max_size",
		"cloud", "config_entries", "connect", "default_query_time",
		"disable_anonymous_signature",
		"disable_host_node_id", "disable_http_unprintable_char_filter",
		"disable_keyring_file", "disable_remote_exec", "discard_check_output",
		"discovery_max_stale", "enable_acl_replication",
		"enable_agent_tls_for_checks", "enable_central_service_config",
		"experiments", "gossip_lan", "gossip_wan", "http_config",
		"license_path", "locality", "log_file", "log_rotate_bytes",
		"log_rotate_duration", "log_rotate_max_files", "max_query_time",
		"non_voting_server", "partition", "peering", "pid_file",
		"primary_gateways", "primary_gateways_interval",
		"protocol", "raft_boltdb", "raft_logstore", "read_replica",
		"reconnect_timeout_wan", "rejoin_after_leave", "reporting",
		"rpc",
		"segment", "segments", "serf_lan", "serf_lan_allowed_cidrs", "serf_wan",
		"serf_wan_allowed_cidrs", "server_rejoin_age_max",
		"snapshot_agent", "syslog_facility",
		"tagged_addresses", "tls_cipher_suites",
		"tls_prefer_server_cipher_suites",
		"translate_wan_addrs", "ui_content_path", "ui_dir", "unix_sockets",
		"use_streaming_backend", "xds",
	}
}

// consulOnlyServiceKeys are service definition keys concord ignores.
func consulOnlyServiceKeys() []string {
	return []string{"kind", "tagged_addresses", "token", "proxy", "connect",
		"namespace", "partition", "socket_path", "locality"}
}

// consulOnlyCheckKeys are check definition keys concord ignores.
func consulOnlyCheckKeys() []string {
	return []string{"token", "docker_container_id", "shell",
		"h2ping", "h2ping_use_tls", "os_service", "disable_redirects", "namespace",
		"partition"}
}

// telemetryUnsupportedKeys are Consul's telemetry {} keys for the sinks
// concord does not push to, and the filters it does not apply.
func telemetryUnsupportedKeys() []string {
	return []string{"circonus_api_app", "circonus_api_token", "circonus_api_url",
		"circonus_broker_id", "circonus_broker_select_tag", "circonus_check_display_name",
		"circonus_check_force_metric_activation", "circonus_check_id",
		"circonus_check_instance_id", "circonus_check_search_tag", "circonus_check_tags",
		"circonus_submission_interval", "circonus_submission_url",
		"dogstatsd_addr", "dogstatsd_tags", "filter_default", "prefix_filter",
		"retry_failed_connection", "statsd_address", "statsite_address",
		"enable_host_metrics", "disable_per_tenancy_usage_metrics"}
}
