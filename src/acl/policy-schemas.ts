/**
 * TypeBox schemas of the ACL endpoints' wire shapes (spec/vault-core-kv-api.md §4.3, §4.5) for
 * `openapi.yaml`: policies (current and legacy API), `sys/capabilities-self`, and
 * `sys/audit-hash` (decisions D-26). The routes build answers and decode requests themselves.
 */
import { Type } from 'typebox'
import { named } from '../openapi/schema-json.js'

const POLICY = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n'

/** `LIST sys/policies/acl` data. */
export const PolicyListSchema = named('AclPolicyList', Type.Object({ keys: Type.Array(Type.String()) }, { examples: [{ keys: ['app-read', 'default', 'root'] }] }))

/** `GET sys/policies/acl/:name` data. */
export const PolicyReadSchema = named('AclPolicy', Type.Object({
  name: Type.String(),
  policy: Type.String({ description: 'The policy text as written (HCL or JSON)' })
}, { examples: [{ name: 'app-read', policy: POLICY }] }))

/** `POST sys/policies/acl/:name`. */
export const PolicyWriteRequestSchema = named('AclPolicyRequest', Type.Object({
  policy: Type.String({ description: 'Policy text, HCL or JSON (base64 accepted, as Vault)' })
}, { examples: [{ policy: POLICY }] }))

/** `GET sys/policy` data (legacy API). */
export const LegacyPolicyListSchema = named('LegacyAclPolicyList', Type.Object({
  keys: Type.Array(Type.String()),
  policies: Type.Array(Type.String())
}, { examples: [{ keys: ['app-read', 'default', 'root'], policies: ['app-read', 'default', 'root'] }] }))

/** `GET sys/policy/:name` data (legacy API). */
export const LegacyPolicyReadSchema = named('LegacyAclPolicy', Type.Object({
  name: Type.String(),
  rules: Type.String({ description: 'The policy text as written' })
}, { examples: [{ name: 'app-read', rules: POLICY }] }))

/** `POST sys/policy/:name` (legacy API). */
export const LegacyPolicyWriteRequestSchema = named('LegacyAclPolicyRequest', Type.Object({
  policy: Type.Optional(Type.String({ description: 'Policy text, HCL or JSON' })),
  rules: Type.Optional(Type.String({ description: 'Deprecated name of `policy` (answered 200 with a warning)' }))
}, { examples: [{ policy: POLICY }] }))

/** `POST sys/capabilities-self`. */
export const CapabilitiesRequestSchema = named('CapabilitiesRequest', Type.Object({
  paths: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()], { description: 'Paths to check (a list or a comma-separated string)' })),
  path: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()], { description: 'Deprecated name of `paths`' }))
}, { examples: [{ paths: ['secret/data/app/db'] }] }))

/** `sys/capabilities-self` data: capabilities per path; `capabilities` repeats a single path's. */
export const CapabilitiesSchema = named('Capabilities', Type.Record(Type.String(), Type.Array(Type.String()), {
  description: 'Capabilities by path; with one path, `capabilities` repeats its list',
  examples: [{ 'secret/data/app/db': ['read'], capabilities: ['read'] }]
}))

/** `POST sys/audit-hash/:path`. */
export const AuditHashRequestSchema = named('AuditHashRequest', Type.Object({
  input: Type.String({ description: 'The value to hash as the audit device does' })
}, { examples: [{ input: 'my-client-secret' }] }))

/** `sys/audit-hash` data. */
export const AuditHashSchema = named('AuditHash', Type.Object({
  hash: Type.String({ description: '`hmac-sha256:<hex>`' })
}, { examples: [{ hash: 'hmac-sha256:7d9f4bb2d1c1e0f6a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9' }] }))

/** `GET sys/audit` data: the enabled audit devices by path (`file/`). */
export const AuditDevicesSchema = named('AuditDevices', Type.Record(Type.String(), Type.Object({
  path: Type.String({ description: 'Device path, with a trailing slash' }),
  type: Type.String({ description: 'Device type (`file`)' }),
  description: Type.String(),
  options: Type.Record(Type.String(), Type.String(), { description: '`file_path`: the log file' }),
  local: Type.Boolean()
}), {
  description: 'Enabled audit devices by path; empty without `VAULT_SYNC_AUDIT_FILE`',
  examples: [{ 'file/': { path: 'file/', type: 'file', description: '', options: { file_path: '/var/log/vault-sync/audit.log' }, local: false } }]
}))
