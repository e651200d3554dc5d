/**
 * What a KV v2 route handler receives and the reply shapes only KV uses (spec/vault-core-kv-api.md
 * §1.6 "raw" responses): a 404 whose body is the full envelope without `errors`, and a 404 with an
 * empty body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { KvService } from '../../src/kv/kv-service.js'
import { ok } from '../../src/vault/envelope.js'
import type { OperationDoc } from '../../src/openapi/route-doc.js'

/** Vault's logical operations a KV path may support. */
export type KvOp = 'read' | 'list' | 'update' | 'patch' | 'delete'

/** One request routed to a KV v2 path. */
export interface KvCall {
  request: FastifyRequest
  reply: FastifyReply
  kv: KvService
  /** The mount's accessor. */
  accessor: string
  /** The secret path captured after `data/`, `metadata/` … (`""` for `config`). */
  key: string
  /** Request data: the JSON body for writes, the query for reads, lists and deletes (as Vault). */
  input: Record<string, unknown>
}

/** How one operation of a path group is documented (path and method come from the group). */
export type KvOpDoc = Omit<OperationDoc, 'path' | 'method' | 'list'>

/**
 * A path group: its pattern (capturing the key), a handler per supported operation, and the
 * documentation of each: `docPath` under `/{kv_v2_mount_path}/` (decisions D-21).
 */
export interface KvPathGroup {
  pattern: RegExp
  ops: Partial<Record<KvOp, (call: KvCall) => unknown>>
  docPath: string
  docs: Partial<Record<KvOp, KvOpDoc>>
}

/** Raw 404 (`logical.RespondWithStatusCode`): the envelope with `mount_type: ""` and no `errors`. */
export function rawNotFound (call: Pick<KvCall, 'request' | 'reply'>, data: unknown, warnings?: string[]): FastifyReply {
  return call.reply.code(404).send(ok(call.request, data, { mountType: '', warnings }))
}

/** 404 with an empty body (KV `PATCH` on a missing key or version). */
export function emptyNotFound (reply: FastifyReply): FastifyReply {
  return reply.code(404).send()
}
