/**
 * The `-config` file's keys (round2.md R2-4), named as in Vault's server configuration
 * (https://developer.hashicorp.com/vault/docs/configuration) wherever the concept exists, each
 * mapped onto the `VAULT_SYNC_*` variable `config.ts` reads: the file is a layer under the
 * environment. Keys Vault has that vault-sync does not support are listed so that the error
 * can say so instead of "unknown".
 */

/** How a file value becomes the variable's text. */
export type KeyKind = 'string' | 'bool' | 'int' | 'duration'

export interface KeySpec { env: string, kind: KeyKind }

/** Top-level keys. */
export const TOP_KEYS: Record<string, KeySpec> = {
  api_addr: { env: 'VAULT_SYNC_API_ADDR', kind: 'string' },
  log_level: { env: 'VAULT_SYNC_LOG_LEVEL', kind: 'string' },
  log_format: { env: 'VAULT_SYNC_LOG_FORMAT', kind: 'string' },
  log_requests_level: { env: 'VAULT_SYNC_LOG_REQUESTS_LEVEL', kind: 'string' },
  ui: { env: 'VAULT_SYNC_UI', kind: 'bool' },
  /** vault-sync's own: the file audit device (Vault enables audit devices through the API). */
  audit_file: { env: 'VAULT_SYNC_AUDIT_FILE', kind: 'string' }
}

/** `storage "sqlite" { ... }`. */
export const STORAGE_SQLITE_KEYS: Record<string, KeySpec> = {
  path: { env: 'VAULT_SYNC_DB_PATH', kind: 'string' }
}

/**
 * `storage "postgresql" { ... }` (issue 18): Vault's PostgreSQL storage backend's keys
 * (https://developer.hashicorp.com/vault/docs/configuration/storage/postgresql) that vault-sync
 * shares; `VAULT_PG_CONNECTION_URL` in the environment wins over `connection_url`, as in Vault.
 */
export const STORAGE_POSTGRESQL_KEYS: Record<string, KeySpec> = {
  connection_url: { env: 'VAULT_PG_CONNECTION_URL', kind: 'string' },
  max_parallel: { env: 'VAULT_SYNC_PG_MAX_PARALLEL', kind: 'int' }
}

/** Vault's PostgreSQL backend keys vault-sync does not support (its tables are its own; `ha_enabled` is special). */
export const VAULT_STORAGE_POSTGRESQL_UNSUPPORTED = new Set(['table', 'ha_table', 'max_idle_connections', 'skip_create_table', 'max_connect_retries'])

/** `seal "file" { ... }`: the seal key file (vault-sync's seal type). */
export const SEAL_FILE_KEYS: Record<string, KeySpec> = {
  path: { env: 'VAULT_SYNC_SEAL_KEY_FILE', kind: 'string' }
}

/** `listener "tcp" { ... }` (`tls_disable` and the nested `telemetry` block are handled apart). */
export const LISTENER_KEYS: Record<string, KeySpec> = {
  address: { env: 'VAULT_SYNC_LISTEN_ADDRESS', kind: 'string' },
  tls_cert_file: { env: 'VAULT_SYNC_TLS_CERT_FILE', kind: 'string' },
  tls_key_file: { env: 'VAULT_SYNC_TLS_KEY_FILE', kind: 'string' },
  max_request_size: { env: 'VAULT_SYNC_MAX_REQUEST_BYTES', kind: 'int' },
  max_json_depth: { env: 'VAULT_SYNC_MAX_JSON_DEPTH', kind: 'int' },
  max_json_string_value_length: { env: 'VAULT_SYNC_MAX_JSON_STRING_VALUE_LENGTH', kind: 'int' },
  max_json_object_entry_count: { env: 'VAULT_SYNC_MAX_JSON_OBJECT_ENTRY_COUNT', kind: 'int' },
  max_json_array_element_count: { env: 'VAULT_SYNC_MAX_JSON_ARRAY_ELEMENT_COUNT', kind: 'int' },
  max_json_token: { env: 'VAULT_SYNC_MAX_JSON_TOKEN', kind: 'int' },
  http_read_header_timeout: { env: 'VAULT_SYNC_HTTP_READ_HEADER_TIMEOUT', kind: 'duration' },
  http_read_timeout: { env: 'VAULT_SYNC_HTTP_READ_TIMEOUT', kind: 'duration' },
  http_idle_timeout: { env: 'VAULT_SYNC_HTTP_IDLE_TIMEOUT', kind: 'duration' }
}

/** `telemetry { ... }` (and `listener "tcp" { telemetry { ... } }`, where Vault has the access switch). */
export const TELEMETRY_KEYS: Record<string, KeySpec> = {
  prometheus_retention_time: { env: 'VAULT_SYNC_PROMETHEUS_RETENTION_TIME', kind: 'duration' },
  disable_hostname: { env: 'VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME', kind: 'bool' },
  unauthenticated_metrics_access: { env: 'VAULT_SYNC_UNAUTHENTICATED_METRICS_ACCESS', kind: 'bool' }
}

/** `sync { ... }`: the worker and the operator-level Azure settings (vault-sync's own stanza). */
export const SYNC_KEYS: Record<string, KeySpec> = {
  worker: { env: 'VAULT_SYNC_WORKER', kind: 'bool' },
  reconcile_interval: { env: 'VAULT_SYNC_RECONCILE_INTERVAL', kind: 'duration' },
  backoff_base: { env: 'VAULT_SYNC_BACKOFF_BASE', kind: 'duration' },
  backoff_max: { env: 'VAULT_SYNC_BACKOFF_MAX', kind: 'duration' },
  client_error_retry: { env: 'VAULT_SYNC_CLIENT_ERROR_RETRY', kind: 'duration' },
  unsynced_retention: { env: 'VAULT_SYNC_UNSYNCED_RETENTION', kind: 'duration' },
  min_write_interval: { env: 'VAULT_SYNC_MIN_WRITE_INTERVAL', kind: 'duration' },
  drift_mode: { env: 'VAULT_SYNC_DRIFT_MODE', kind: 'string' },
  drift_interval: { env: 'VAULT_SYNC_DRIFT_INTERVAL', kind: 'duration' },
  drift_repair_missing: { env: 'VAULT_SYNC_DRIFT_REPAIR_MISSING', kind: 'bool' },
  drift_budget_percent: { env: 'VAULT_SYNC_DRIFT_BUDGET_PERCENT', kind: 'int' },
  drift_max_calls: { env: 'VAULT_SYNC_DRIFT_MAX_CALLS', kind: 'int' },
  drift_page_size: { env: 'VAULT_SYNC_DRIFT_PAGE_SIZE', kind: 'int' },
  allow_loopback_destinations: { env: 'VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS', kind: 'bool' },
  azure_authority_host: { env: 'VAULT_SYNC_AZURE_AUTHORITY_HOST', kind: 'string' },
  azure_ca_file: { env: 'VAULT_SYNC_AZURE_CA_FILE', kind: 'string' },
  azure_disable_instance_discovery: { env: 'VAULT_SYNC_AZURE_DISABLE_INSTANCE_DISCOVERY', kind: 'bool' },
  azure_disable_challenge_resource_verification: { env: 'VAULT_SYNC_AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION', kind: 'bool' },
  azure_max_concurrency: { env: 'VAULT_SYNC_AZURE_MAX_CONCURRENCY', kind: 'int' },
  azure_sdk_max_retries: { env: 'VAULT_SYNC_AZURE_SDK_MAX_RETRIES', kind: 'int' },
  azure_poll_interval: { env: 'VAULT_SYNC_AZURE_POLL_INTERVAL', kind: 'duration' },
  azure_poll_timeout: { env: 'VAULT_SYNC_AZURE_POLL_TIMEOUT', kind: 'duration' },
  azure_request_timeout: { env: 'VAULT_SYNC_AZURE_REQUEST_TIMEOUT', kind: 'duration' }
}

/** Vault's top-level keys and stanzas vault-sync does not support. */
export const VAULT_TOP_UNSUPPORTED = new Set([
  'cluster_addr', 'cluster_name', 'cache_size', 'disable_cache', 'disable_clustering', 'plugin_directory', 'plugin_tmpdir',
  'plugin_file_uid', 'plugin_file_permissions', 'default_lease_ttl', 'max_lease_ttl', 'default_max_request_duration',
  'raw_storage_endpoint', 'introspection_endpoint', 'pid_file', 'enable_response_header_hostname',
  'enable_response_header_raft_node_id', 'detect_deadlocks', 'log_file', 'log_rotate_duration', 'log_rotate_bytes',
  'log_rotate_max_files', 'ha_storage', 'service_registration', 'entropy', 'license_path', 'replication', 'sentinel',
  'kms_library', 'user_lockout', 'experiments', 'administrative_namespace_path', 'imprecise_lease_role_tracking',
  'disable_performance_standby', 'disable_sealwrap', 'disable_printable_check', 'disable_sentinel_trace',
  'cluster_cipher_suites', 'enable_post_unseal_trace', 'post_unseal_trace_directory', 'remove_irrevocable_lease_after',
  'retry_join', 'seal_wrap', 'unsafe_allow_api_audit_creation', 'allow_audit_log_prefixing'
])

/** Vault's `listener "tcp"` keys vault-sync does not support. */
export const VAULT_LISTENER_UNSUPPORTED = new Set([
  'cluster_address', 'proxy_protocol_behavior', 'proxy_protocol_authorized_addrs', 'tls_min_version', 'tls_max_version',
  'tls_cipher_suites', 'tls_prefer_server_cipher_suites', 'tls_require_and_verify_client_cert', 'tls_client_ca_file',
  'tls_disable_client_certs', 'x_forwarded_for_authorized_addrs', 'x_forwarded_for_hop_skips',
  'x_forwarded_for_reject_not_authorized', 'x_forwarded_for_reject_not_present', 'x_forwarded_for_client_cert_header',
  'x_forwarded_for_client_cert_header_decoders', 'http_write_timeout', 'max_request_duration', 'profiling', 'inflight_requests_logging', 'custom_response_headers',
  'redact_addresses', 'redact_cluster_name', 'redact_version', 'disable_replication_status_endpoints',
  'disable_request_limiter', 'chroot_namespace', 'require_request_header', 'agent_api', 'tls_cert_file_permissions'
])

/** Vault's `telemetry` keys vault-sync does not support (other sinks, lease and usage gauges). */
export const VAULT_TELEMETRY_UNSUPPORTED = new Set([
  'usage_gauge_period', 'maximum_gauge_cardinality', 'lease_metrics_epsilon', 'num_lease_metrics_buckets',
  'add_lease_metrics_namespace_labels', 'add_mount_point_rollback_metrics', 'filter_default', 'prefix_filter',
  'enable_hostname_label', 'metrics_prefix', 'statsite_address', 'statsd_address', 'dogstatsd_addr', 'dogstatsd_tags',
  'circonus_api_token', 'circonus_api_app', 'circonus_api_url', 'circonus_submission_interval',
  'circonus_submission_url', 'circonus_check_id', 'circonus_check_force_metric_activation', 'circonus_check_instance_id',
  'circonus_check_search_tag', 'circonus_check_display_name', 'circonus_check_tags', 'circonus_broker_id',
  'circonus_broker_select_tag', 'stackdriver_project_id', 'stackdriver_location', 'stackdriver_namespace',
  'stackdriver_debug_logs'
])
