# vault-sync server configuration (Vault's stanza and key names).
# Start with:  vault-sync server -config=/etc/vault-sync/vault-sync.hcl
# VAULT_SYNC_* environment variables (e.g. from /etc/vault-sync/vault-sync.env) win over this file.

storage "sqlite" {
  path = "/var/lib/vault-sync/vault-sync.db"
}

# The seal key encrypts secrets at rest. Keep it apart from the database (and from its backups).
seal "file" {
  path = "/etc/vault-sync/seal.key"
}

listener "tcp" {
  address          = "0.0.0.0:8200"
  tls_cert_file    = "/etc/vault-sync/tls/server.crt"
  tls_key_file     = "/etc/vault-sync/tls/server.key"
  max_request_size = 33554432
}

api_addr  = "https://vault-sync.example.internal:8200"
log_level = "info"
log_format = "json"

telemetry {
  prometheus_retention_time      = "24h"
  disable_hostname               = true
  unauthenticated_metrics_access = false
}

sync {
  reconcile_interval    = "5m"
  backoff_base          = "1s"
  backoff_max           = "5m"
  azure_max_concurrency = 8
}

disable_mlock = true
