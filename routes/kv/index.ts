/**
 * The KV v2 engine behind the `/v1/*` mount dispatch (`routes/mount-dispatch.ts`): maps the HTTP
 * method to Vault's operation, applies Vault core's checks, then routes the path inside the mount
 * like Vault's KV plugin (`backend.go` `Paths`, in order; spec/vault-core-kv-api.md §3.1):
 * `config`, `data/`, `metadata/`, `destroy/`, `subkeys/`, `delete/`, `undelete/`, else the raw 404
 * "invalid path" answer. A known path with an unsupported operation is a 405.
 *
 * Core checks (decisions D-17.4): POST/PUT/PATCH to a path ending in `/` → 400 `cannot write to a
 * path ending in '/'`; a `..` segment → 400; a mutation with an empty key → 400 `missing path`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { MountRow } from '../../src/mounts/mount-service.js'
import { checkKeyPath } from '../../src/kv/kv-paths.js'
import { isKvV2 } from '../../src/mounts/mount-entry.js'
import type { Services } from '../../src/services.js'
import { badRequest, noHandlerForRoute, unsupportedOperation } from '../../src/vault/errors.js'
import { NULL_FIELDS } from '../../src/vault/http-plugin.js'
import { isListRequest, vaultPath } from '../../src/vault/request-target.js'
import type { DocMethod, OperationDoc } from '../../src/openapi/route-doc.js'
import type { MountHandler } from '../mount-dispatch.js'
import { configPaths } from './config.js'
import { dataPaths, subkeysPaths } from './data.js'
import { rawNotFound, requestFieldWarnings, type KvOp, type KvPathGroup } from './kv-call.js'
import { metadataPaths } from './metadata.js'
import { deletePaths, destroyPaths, undeletePaths } from './versions.js'

/** Vault's order of path patterns; the first match wins. */
const GROUPS: KvPathGroup[] = [configPaths, dataPaths, metadataPaths, destroyPaths, subkeysPaths, deletePaths, undeletePaths]

const ROOTS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy'])
const MUTATIONS = new Set<KvOp>(['update', 'patch', 'delete'])
const CLI_VERB: Record<KvOp, string> = { update: 'put', patch: 'patch', read: 'get', list: 'list', delete: 'delete' }

function operation (request: FastifyRequest): KvOp | undefined {
  switch (request.method) {
    case 'GET': return isListRequest(request) ? 'list' : 'read'
    case 'POST': case 'PUT': return 'update'
    case 'PATCH': return 'patch'
    case 'DELETE': return 'delete'
    default: return undefined
  }
}

/**
 * Request data as Vault builds it: the body for writes, the query string otherwise, without
 * `list` on a LIST (Vault's `handleLogical` deletes it from the query) and without JSON `null`
 * values (the body parser drops them: Vault's field parser reads them as not given).
 */
function requestInput (request: FastifyRequest, op: KvOp): Record<string, unknown> {
  const source = op === 'update' || op === 'patch' ? request.body : request.query
  const input = { ...(source as Record<string, unknown> | undefined ?? {}) }
  if (op === 'list') delete input.list
  for (const k of Object.keys(input)) if (input[k] === null) delete input[k]
  return input
}

const DOC_METHOD: Record<KvOp, DocMethod> = { read: 'get', list: 'get', update: 'post', patch: 'patch', delete: 'delete' }

/**
 * The KV v2 operations as documented: every path group's operations under
 * `/{kv_v2_mount_path}/` (decisions D-21), LIST at the trailing-slash path (D-10).
 */
export function kvOperationDocs (): OperationDoc[] {
  return GROUPS.flatMap((group) => Object.entries(group.docs).map(([op, doc]) => ({
    ...doc,
    method: DOC_METHOD[op as KvOp],
    path: `/{kv_v2_mount_path}/${group.docPath}${op === 'list' ? '/' : ''}`,
    list: op === 'list'
  })))
}

/** Builds the `kv` engine handler for `engines.kv`. */
export function kvEngine ({ kv }: Pick<Services, 'kv'>): MountHandler {
  return (request: FastifyRequest, reply: FastifyReply, mount: MountRow, rest: string) => {
    if (!isKvV2(mount)) throw noHandlerForRoute(`${mount.path}${rest}`)
    const op = operation(request)
    if (op === undefined) throw unsupportedOperation()
    if ((op === 'update' || op === 'patch') && vaultPath(request).endsWith('/')) throw badRequest("cannot write to a path ending in '/'")
    for (const group of GROUPS) {
      const m = group.pattern.exec(rest)
      if (m === null) continue
      const key = m[1] ?? ''
      checkKeyPath(key, MUTATIONS.has(op) && group !== configPaths)
      const handler = group.ops[op]
      if (handler === undefined) throw unsupportedOperation()
      const input = requestInput(request, op)
      const nulls = op === 'update' || op === 'patch' ? (request.body as { [NULL_FIELDS]?: readonly string[] } | undefined)?.[NULL_FIELDS] : undefined
      return handler({ request, reply, kv, accessor: mount.accessor, key, input, fieldWarnings: requestFieldWarnings(input, group.fields, nulls) })
    }
    checkKeyPath(rest, false)
    if (MUTATIONS.has(op) && ROOTS.has(rest)) throw badRequest('missing path')
    const warning = ROOTS.has(rest)
      ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
      : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${CLI_VERB[op]}' for this operation.`
    return rawNotFound({ request, reply }, null, [warning])
  }
}
