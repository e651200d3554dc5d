/**
 * What a KV v2 route handler receives and the reply shapes only KV uses (spec/vault-core-kv-api.md
 * §1.6 "raw" responses): a 404 whose body is the full envelope without `errors`, and a 404 with an
 * empty body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { KvService } from '../../src/kv/kv-service.js'
import { ok } from '../../src/vault/envelope.js'
import type { OperationDoc } from '../../src/openapi/route-doc.js'
import { unknownFieldsWarning } from '../../src/vault/field-decode.js'

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
  /**
   * The framework's warnings about the request's fields (`requestFieldWarnings`), for every
   * answer with a body; `NO_WARNINGS` (shared, empty) when there are none.
   */
  fieldWarnings: readonly string[]
}

/** The empty warnings list, shared (never to be changed). */
export const NO_WARNINGS: readonly string[] = Object.freeze([])

/**
 * Vault's SDK framework warnings about request data (`framework.Backend.HandleRequest`): the
 * fields the path does not declare (`Endpoint ignored these unrecognized parameters: [a b]`,
 * sorted), then a body `path` overridden by the key captured from the URL (`Endpoint replaced
 * the value of these parameters with the values captured from the endpoint's path: [path]`).
 * Vault adds them only to an answer with a body (a non-nil `logical.Response`), so a 204 carries
 * none. `source` is the request data (JSON nulls already dropped by the body parser, which names
 * them: `nullFields`, counted as Vault counts them, but never as a replaced `path`); `fields` the
 * path's declared fields (`path` included where the path captures one).
 */
export function requestFieldWarnings (source: Record<string, unknown>, fields: ReadonlySet<string>, nullFields?: readonly string[]): readonly string[] {
  let declared = nullFields === undefined || nullFields.every((k) => fields.has(k))
  if (declared) for (const k in source) if (!fields.has(k)) { declared = false; break }
  if (declared && source.path === undefined) return NO_WARNINGS // the usual request: nothing allocated
  let warnings: string[] | undefined
  const ignored = unknownFieldsWarning(nullFields === undefined ? source : { ...source, ...Object.fromEntries(nullFields.map((k) => [k, null])) }, fields)
  if (ignored !== undefined) (warnings ??= []).push(ignored)
  if (fields.has('path') && source.path !== undefined) {
    (warnings ??= []).push('Endpoint replaced the value of these parameters with the values captured from the endpoint\'s path: [path]')
  }
  return warnings ?? NO_WARNINGS
}

/**
 * `own` warnings of a handler followed by the request's field warnings (Vault's order), or
 * `undefined` when there are none (no list made: a data read's and write's hot path).
 */
export function answerWarnings (call: Pick<KvCall, 'fieldWarnings'>, own: readonly string[] = NO_WARNINGS): string[] | undefined {
  return own.length + call.fieldWarnings.length === 0 ? undefined : [...own, ...call.fieldWarnings]
}

/** How one operation of a path group is documented (path and method come from the group). */
export type KvOpDoc = Omit<OperationDoc, 'path' | 'method' | 'list'>

/**
 * A path group: its pattern (capturing the key), a handler per supported operation, and the
 * documentation of each: `docPath` under `/{kv_v2_mount_path}/` (decisions D-21).
 */
export interface KvPathGroup {
  pattern: RegExp
  /** The request fields Vault's KV plugin declares for the path (`Fields` of its `framework.Path`). */
  fields: ReadonlySet<string>
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
