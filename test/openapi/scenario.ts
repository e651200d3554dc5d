/**
 * A walk through every operation of openapi.yaml, in an order that makes each succeed, for
 * `coverage.test.ts`. Each step names an operationId; the request is built from the documented
 * path (parameters filled in), the `list=true` of LIST operations and, unless the step gives
 * one, the request-body example of the document. Extra steps reach the non-2xx answers that
 * carry examples (KV's raw 404s) and the "200 because of a warning" answers.
 */

/** What steps may read from earlier answers: `auth` blocks (`keepAuth`) and `data` (`keepData`). */
export interface ScenarioContext { tokens: Record<string, { client_token: string, accessor: string }>, data: Record<string, Record<string, any>> }

/** One call. */
export interface Step {
  id: string
  params?: Record<string, string> | ((ctx: ScenarioContext) => Record<string, string>)
  query?: Record<string, string>
  body?: unknown | ((ctx: ScenarioContext) => unknown)
  token?: (ctx: ScenarioContext) => string
  /** Expected status; when absent, the operation's only 2xx. */
  status?: number
  /** Stores the `auth` block of the answer under this name. */
  keepAuth?: string
  /** Stores the `data` of the answer under this name. */
  keepData?: string
}

const KV = { kv_v2_mount_path: 'my-kv', path: 'my-secret' }
const SCRATCH = { kv_v2_mount_path: 'my-kv', path: 'scratch' }
const DEST = { name: 'my-azure-1' }
const ASSOC = { type: 'azure-kv', name: 'my-azure-1' }
const POLICY = 'path "my-kv/data/*" {\n  capabilities = ["read"]\n}\n'
const ROLE = { role_name: 'my-role' }

/** The walk. */
export const SCENARIO: Step[] = [
  { id: 'read-health-status' },
  { id: 'seal-status' },
  { id: 'leader-status' },
  { id: 'ha-status' },
  { id: 'read-initialization-status' },
  { id: 'metrics' },
  { id: 'read-activation-flags' },
  { id: 'activation-flags-activate' },
  { id: 'internal-generate-open-api-document' },

  { id: 'mounts-enable-secrets-engine', params: { path: 'my-kv' } },
  { id: 'mounts-list-secrets-engines' },
  { id: 'mounts-read-configuration', params: { path: 'my-kv' } },
  { id: 'mounts-tune-configuration-parameters', params: { path: 'my-kv' } },
  { id: 'mounts-read-tuning-information', params: { path: 'my-kv' } },
  { id: 'internal-ui-read-mount-information', params: { path: 'my-kv/my-secret' } },
  { id: 'mounts-enable-secrets-engine', params: { path: 'my-old-kv' } },
  { id: 'remount', body: { from: 'my-old-kv', to: 'my-moved-kv' }, keepData: 'remount' },
  { id: 'remount-status', params: (c: ScenarioContext) => ({ migration_id: c.data.remount.migration_id }) },
  { id: 'remount-status', params: { migration_id: 'no-such-migration' }, status: 404 },
  { id: 'mounts-disable-secrets-engine', params: { path: 'my-moved-kv' } },

  { id: 'kv-v2-configure', params: { kv_v2_mount_path: 'my-kv' } },
  { id: 'kv-v2-read-configuration', params: { kv_v2_mount_path: 'my-kv' } },
  { id: 'kv-v2-write', params: KV },
  { id: 'kv-v2-read', params: KV },
  { id: 'kv-v2-patch', params: KV },
  { id: 'kv-v2-read-subkeys', params: KV },
  { id: 'kv-v2-write-metadata', params: KV, status: 204 },
  { id: 'kv-v2-patch-metadata-path', params: KV, status: 204 },
  { id: 'kv-v2-read-metadata', params: KV },
  { id: 'kv-v2-write', params: { kv_v2_mount_path: 'my-kv', path: 'team/db' } },
  { id: 'kv-v2-list', params: { kv_v2_mount_path: 'my-kv', path: 'team' } },
  // `cas_required: false` on a key of an engine that requires CAS: 200 with a warning.
  { id: 'kv-v2-configure', params: { kv_v2_mount_path: 'my-kv' }, body: { cas_required: true } },
  { id: 'kv-v2-write-metadata', params: KV, body: { cas_required: false }, status: 200 },
  { id: 'kv-v2-patch-metadata-path', params: KV, body: { cas_required: false }, status: 200 },
  { id: 'kv-v2-configure', params: { kv_v2_mount_path: 'my-kv' }, body: { cas_required: false } },

  { id: 'kv-v2-write', params: SCRATCH },
  { id: 'kv-v2-delete', params: SCRATCH },
  { id: 'kv-v2-read', params: SCRATCH, status: 404 },
  { id: 'kv-v2-read-subkeys', params: SCRATCH, status: 404 },
  { id: 'kv-v2-patch', params: SCRATCH, status: 404 },
  { id: 'kv-v2-undelete-versions', params: SCRATCH },
  { id: 'kv-v2-delete-versions', params: SCRATCH },
  { id: 'kv-v2-destroy-versions', params: SCRATCH },
  { id: 'kv-v2-delete-metadata-and-all-versions', params: SCRATCH },

  { id: 'system-write-sync-destinations-azure-kv-name', params: DEST },
  { id: 'system-patch-sync-destinations-azure-kv-name', params: DEST },
  { id: 'system-read-sync-destinations-azure-kv-name', params: DEST },
  { id: 'system-list-sync-destinations' },
  { id: 'system-list-sync-destinations-type', params: { type: 'azure-kv' } },
  { id: 'system-write-sync-destinations-type-name-associations-set', params: ASSOC },
  { id: 'system-read-sync-destinations-type-name-associations', params: ASSOC },
  { id: 'vault-sync-read-sync-ext-status' },
  { id: 'vault-sync-write-sync-ext-destination-drift', params: { type: 'azure-kv', ...DEST }, body: { mode: 'repair', interval: '30m' } },
  { id: 'vault-sync-read-sync-ext-destination-drift', params: { type: 'azure-kv', ...DEST } },
  { id: 'vault-sync-read-sync-ext-destination-plan', params: { type: 'azure-kv', ...DEST }, query: { mount: 'my-kv', secret_name: 'my-secret' } },
  { id: 'vault-sync-delete-sync-ext-destination-drift', params: { type: 'azure-kv', ...DEST } },
  { id: 'vault-sync-preview-sync-ext-name' },
  { id: 'vault-sync-write-sync-ext-rule', params: { ...ASSOC, rule: 'my-rule' }, query: { dry_run: 'true' }, body: { mount: 'my-kv', recursive: true } },
  { id: 'vault-sync-write-sync-ext-rule', params: { ...ASSOC, rule: 'my-rule' }, body: { mount: 'my-kv', recursive: true } },
  { id: 'vault-sync-read-sync-ext-rule', params: { ...ASSOC, rule: 'my-rule' } },
  { id: 'vault-sync-list-sync-ext-rules', params: ASSOC },
  { id: 'vault-sync-delete-sync-ext-rule', params: { ...ASSOC, rule: 'my-rule' } },
  { id: 'system-list-sync-associations' },
  { id: 'system-read-sync-associations-destinations', query: { mount: 'my-kv', secret_name: 'my-secret' } },
  { id: 'system-read-sync-associations-mount-secret_name', params: { mount: 'my-kv', secret_name: 'my-secret' } },
  { id: 'system-write-sync-destinations-type-name-associations-remove', params: ASSOC },
  { id: 'system-read-sync-config' },
  { id: 'system-patch-sync-config' },
  { id: 'system-delete-sync-config' },
  { id: 'system-delete-sync-destinations-azure-kv-name', params: DEST },

  { id: 'policies-write-acl-policy', params: { name: 'app-read' }, body: { policy: POLICY }, status: 204 },
  { id: 'policies-write-acl-policy', params: { name: 'App-Read' }, body: { policy: POLICY }, status: 200 },
  { id: 'policies-read-acl-policy', params: { name: 'app-read' } },
  { id: 'policies-list-acl-policies' },
  { id: 'policies-write-acl-policy2', params: { name: 'app-legacy' }, status: 204 },
  { id: 'policies-write-acl-policy2', params: { name: 'app-legacy' }, body: { rules: POLICY }, status: 200 },
  { id: 'policies-read-acl-policy2', params: { name: 'app-legacy' } },
  { id: 'policies-list-acl-policies2' },
  { id: 'policies-delete-acl-policy2', params: { name: 'app-legacy' } },
  { id: 'policies-delete-acl-policy', params: { name: 'app-read' } },
  { id: 'auth-list-enabled-methods' },
  { id: 'auth-read-tuning-information' },
  { id: 'auth-tune-configuration-parameters', body: { max_lease_ttl: '8760h' } },
  { id: 'query-token-self-capabilities' },
  { id: 'auditing-calculate-hash', params: { path: 'file' } },
  { id: 'auditing-list-enabled-devices' },

  { id: 'token-create', keepAuth: 'child' },
  { id: 'token-create', keepAuth: 'second' },
  { id: 'token-create-orphan', keepAuth: 'orphan' },
  { id: 'token-look-up-self', token: (c: ScenarioContext) => c.tokens.child.client_token },
  { id: 'token-look-up', body: (c: ScenarioContext) => ({ token: c.tokens.child.client_token }) },
  { id: 'token-look-up-accessor', body: (c: ScenarioContext) => ({ accessor: c.tokens.child.accessor }) },
  { id: 'token-list-accessors' },
  { id: 'token-renew-self', token: (c: ScenarioContext) => c.tokens.child.client_token },
  { id: 'query-token-capabilities', body: (c: ScenarioContext) => ({ token: c.tokens.child.client_token, paths: ['my-kv/data/my-secret'] }) },
  { id: 'query-token-accessor-capabilities', body: (c: ScenarioContext) => ({ accessor: c.tokens.child.accessor, paths: ['my-kv/data/my-secret'] }) },
  { id: 'token-renew', body: (c: ScenarioContext) => ({ token: c.tokens.child.client_token, increment: '1h' }) },
  { id: 'token-renew-accessor', body: (c: ScenarioContext) => ({ accessor: c.tokens.child.accessor, increment: '1h' }) },
  { id: 'token-create', keepAuth: 'third' },
  { id: 'token-revoke-orphan', body: (c: ScenarioContext) => ({ token: c.tokens.third.client_token }) },
  { id: 'token-revoke', body: (c: ScenarioContext) => ({ token: c.tokens.orphan.client_token }) },
  { id: 'token-revoke-accessor', body: (c: ScenarioContext) => ({ accessor: c.tokens.second.accessor }) },
  { id: 'token-revoke-self', token: (c: ScenarioContext) => c.tokens.child.client_token },
  { id: 'token-write-role', params: ROLE, status: 204 },
  // A token_* field and its deprecated alias together: 200 with Vault's warning.
  { id: 'token-write-role', params: ROLE, body: { token_period: '1h', period: '2h' }, status: 200 },
  { id: 'token-read-role', params: ROLE },
  { id: 'token-list-roles' },
  { id: 'token-create-against-role', params: ROLE, keepAuth: 'fromRole' },
  { id: 'token-create-against-role', params: { role_name: 'no-such-role' }, status: 400 },
  { id: 'token-delete-role', params: ROLE },
  { id: 'token-read-role', params: ROLE, status: 404 },

  { id: 'mounts-disable-secrets-engine', params: { path: 'my-kv' } }
]
