/**
 * The parts every operation of `openapi.yaml` shares: Vault's envelope and error body, the
 * standard error responses, the `list` parameter of LIST operations, the token security
 * schemes, the tags, and the default docs of common path parameters.
 */

/** A JSON Schema / OpenAPI 3.1 schema object as plain JSON. */
export type JsonSchema = Record<string, unknown>

/** Reference to a component schema, response or parameter. */
export const ref = (kind: 'schemas' | 'responses' | 'parameters', name: string): JsonSchema => ({ $ref: `#/components/${kind}/${name}` })

/** Vault's success envelope (spec/vault-core-kv-api.md §1.5); operations narrow `data` and `auth`. */
const VaultResponse: JsonSchema = {
  type: 'object',
  description: 'Vault\'s response envelope: every key is always present.',
  required: ['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type'],
  properties: {
    request_id: { type: 'string', description: 'Unique id of this request (a UUID)' },
    lease_id: { type: 'string', description: 'Always empty: vault-sync issues no leases' },
    renewable: { type: 'boolean' },
    lease_duration: { type: 'integer' },
    data: { description: 'The operation\'s result (see the operation)' },
    wrap_info: { type: 'null', description: 'Response wrapping is not supported' },
    warnings: { type: ['array', 'null'], items: { type: 'string' }, description: 'Warnings, or null when there are none' },
    auth: { description: 'The issued token for token-creating operations, else null' },
    mount_type: { type: 'string', description: 'Type of the mount that answered: system, token, kv, or "" for raw KV answers' }
  }
}

/** Vault's error body (spec/vault-core-kv-api.md §1.6). */
const VaultErrorResponse: JsonSchema = {
  type: 'object',
  description: 'Vault\'s error body; `errors` may be empty (e.g. 404 for "nothing here").',
  required: ['errors'],
  properties: { errors: { type: 'array', items: { type: 'string' } } }
}

const errorContent = (example: string[]): JsonSchema => ({
  'application/json': { schema: ref('schemas', 'VaultErrorResponse'), example: { errors: example } }
})

/** The `components` section of the document, with the named schemas of the routes. */
export function components (named: Record<string, JsonSchema>): JsonSchema {
  return {
    schemas: { ...named, VaultResponse, VaultErrorResponse },
    responses: {
      BadRequest: { description: 'Invalid request (bad field, bad `list` value, unsupported namespace ...)', content: errorContent(['missing required field "mount"']) },
      PermissionDenied: {
        description: 'No token, or a token without the capability (an unknown or revoked token adds `invalid token`)',
        content: errorContent(['1 error occurred:\n\t* permission denied\n\n'])
      },
      Error: { description: 'Any other error (405, 413, 415, 500, 503 ...), with Vault\'s error body', content: errorContent(['1 error occurred:\n\t* unsupported operation\n\n']) }
    },
    parameters: {
      List: {
        name: 'list',
        in: 'query',
        required: true,
        description: 'Must be `true`: a Vault LIST operation. `LIST <path>` and `?list=` with any Go ParseBool true value are the same call.',
        schema: { type: 'string', enum: ['true'] }
      }
    },
    securitySchemes: {
      vault_token: { type: 'apiKey', in: 'header', name: 'X-Vault-Token', description: 'A vault-sync token (root or created through auth/token/create)' },
      bearer: { type: 'http', scheme: 'bearer', description: 'The same token as `Authorization: Bearer <token>`' }
    }
  }
}

/** Top-level tags, as Vault's document groups paths. */
export const TAGS = [
  { name: 'auth', description: 'The token store (`auth/token/*`)' },
  { name: 'secrets', description: 'KV version 2 secrets engines, at any mount path' },
  { name: 'system', description: 'Mounts, policies, status and secrets sync (`sys/*`)' },
  { name: 'sync-ext', description: 'vault-sync extensions, not part of Vault\'s API (`sys/sync-ext/*`): sync status details, name preview, association rules, drift settings and plan' }
]

/** The tag of a documented path. */
export function tagFor (path: string): string {
  if (path.startsWith('/sys/sync-ext/')) return 'sync-ext'
  if (path.startsWith('/sys/')) return 'system'
  if (path.startsWith('/auth/')) return 'auth'
  return 'secrets'
}

/** `mount_type` of the envelope for a documented path (for examples). */
export function mountTypeFor (path: string): string {
  if (path.startsWith('/sys/')) return 'system'
  if (path.startsWith('/auth/token/')) return 'token'
  return 'kv'
}

/** Docs of path parameters whose meaning is the same everywhere. */
export const COMMON_PARAMS: Record<string, { description: string, schema: JsonSchema }> = {
  kv_v2_mount_path: {
    description: 'Path the KV version 2 engine is mounted at, without the trailing `/`; may be nested (`team/kv`). Mounts are resolved by the longest matching prefix.',
    schema: { type: 'string', default: 'secret' }
  },
  path: { description: 'Path of the secret inside the mount; may contain `/`', schema: { type: 'string' } }
}

/** A fixed `request_id` for examples. */
export const EXAMPLE_REQUEST_ID = '6c3f9a5e-2b1d-4c7e-9f0a-8d2e4b6a1c3f'
