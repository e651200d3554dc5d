/**
 * How a route describes itself for `openapi.yaml` (issue 7, decisions D-10, D-21, D-32.3).
 * Every route under `/v1/` carries `schema.openapi`: either the operations it serves (one, or
 * several for a wildcard route such as `sys/mounts/*` or the KV mount dispatch) or `hidden`
 * with the reason it is not documented (it only ever answers an error). Fastify ignores this
 * key: request validation and response serialization stay exactly as the route sets them, so
 * documenting a route never changes what it sends. `src/openapi/generate.ts` turns these
 * declarations into the document; examples live in the TypeBox schemas (`examples`).
 */
import type { TObject, TSchema } from 'typebox'

/** The HTTP methods the document uses: PUT is POST's alias and HEAD is GET's, as in Vault. */
export type DocMethod = 'get' | 'post' | 'patch' | 'delete'

/** A path or query parameter: its description and, when not a plain string, its schema. */
export interface ParamDoc {
  description: string
  schema?: TSchema
}

/** One documented response of an operation. */
export type ResponseDoc =
  /**
   * Vault's envelope with `data` (and `auth`; `inject` copies `data`'s keys to the top level);
   * `warnings` and `mountType` are the example's (for answers that are 200 only because of a
   * warning, and for KV's raw answers, whose `mount_type` is "").
   */
  | { kind: 'envelope', description: string, data: TSchema, auth?: TSchema, inject?: boolean, warnings?: string[], mountType?: string }
  /** A body without the envelope (`sys/health`, the OpenAPI document itself). */
  | { kind: 'raw', description: string, schema: TSchema }
  /** No body at all (204, and KV's empty 404). */
  | { kind: 'empty', description: string }
  /** Vault's `{"errors": [...]}` body. */
  | { kind: 'error', description: string, example?: string[] }
  /**
   * A `text/plain` body (`sys/metrics`: Prometheus text and Vault's plain-text errors), and,
   * when `json` is given, a JSON body without the envelope under the same status.
   */
  | { kind: 'text', description: string, example: string, json?: TSchema }
  /** One of several bodies under the same status (KV's 404 is an error or a raw envelope). */
  | { kind: 'either', description: string, of: ResponseDoc[] }

/** One documented operation (a method on a documented path). */
export interface OperationDoc {
  /** Vault 2.1.0's operationId (decisions D-10). */
  operationId: string
  summary: string
  description?: string
  /** Defaults to the route's method (POST/PUT → post, GET/HEAD → get). */
  method?: DocMethod
  /** Documented path without `/v1`, e.g. `/sys/mounts/{path}/tune`; defaults to the route URL. */
  path?: string
  /** A Vault LIST operation: GET at the trailing-slash path with `list=true` required. */
  list?: boolean
  /** Path parameter docs by name (common names have defaults in `components.ts`). */
  params?: Record<string, ParamDoc | string>
  /** Query parameters, one per property. */
  query?: TObject
  /** The JSON request body; its first `examples` entry becomes the documented example. */
  body?: TSchema
  /**
   * Responses by status; 400, 403 (authenticated routes) and `default` (any other error, with
   * the error body) are added unless given.
   */
  responses: Partial<Record<number | 'default', ResponseDoc>>
}

/** What a route declares in `schema.openapi`. */
export type RouteDocs = { operations: OperationDoc[] } | { hidden: string }

declare module 'fastify' {
  interface FastifySchema {
    /** The route's OpenAPI declaration (see this module); ignored by Fastify itself. */
    openapi?: RouteDocs
  }
}

/** The declaration of a route serving `operations`. */
export function documented (...operations: OperationDoc[]): RouteDocs {
  return { operations }
}

/** The declaration of a route left out of the document, with the reason. */
export function hidden (reason: string): RouteDocs {
  return { hidden: reason }
}

/** 200 with Vault's envelope around `data`. */
export function vaultData (description: string, data: TSchema, options: { auth?: TSchema, inject?: boolean, warnings?: string[], mountType?: string } = {}): ResponseDoc {
  return { kind: 'envelope', description, data, ...options }
}

/** A body without the envelope. */
export function rawBody (description: string, schema: TSchema): ResponseDoc {
  return { kind: 'raw', description, schema }
}

/** A `text/plain` body (with `json`: or a raw JSON body). */
export function textBody (description: string, example: string, json?: TSchema): ResponseDoc {
  return { kind: 'text', description, example, json }
}

/** No body (204). */
export function noBody (description: string): ResponseDoc {
  return { kind: 'empty', description }
}

/** Vault's error body, with an example `errors` list. */
export function errorBody (description: string, example?: string[]): ResponseDoc {
  return { kind: 'error', description, example }
}

/** Several possible bodies under one status. */
export function either (description: string, ...of: ResponseDoc[]): ResponseDoc {
  return { kind: 'either', description, of }
}
