/**
 * The Vault HTTP conventions as one Fastify plugin (spec/vault-core-kv-api.md §1, decisions
 * D-6, D-15.11, D-17): body parsing (JSON whatever the Content-Type, except Vault's form bodies:
 * `form-body.ts`), the PATCH media-type rule,
 * `?list=` validation, `X-Vault-Namespace`, `X-Vault-Wrap-TTL` (refused: vault-sync does not
 * wrap responses), token authentication, the exact
 * `Content-Type: application/json`, and errors as `{"errors": [...]}`.
 *
 * Routes opt out of authentication with `config: { unauthenticated: true }`. The token lookup
 * is injected (`authenticate`), so this module knows nothing of the token store.
 */
import type { FastifyContextConfig, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { VaultError, badRequest, internalError, invalidToken, permissionDenied } from './errors.js'
import { DEFAULT_JSON_LIMITS, type JsonLimits } from './http-limits.js'
import { jsonLimitError } from './json-limits.js'
import { isForm, parseFormBody } from './form-body.js'
import { parseDurationSeconds } from './duration.js'
import { parseGoBool } from './parse-bool.js'
import { PiecesPayload } from './pieces-payload.js'
import { requestTarget } from './request-target.js'

/** What the auth hook attaches to `request.vaultToken` for an authenticated request. */
export interface RequestToken {
  /** The token's accessor (never the token id itself). */
  accessor: string
  policies: string[]
  /** The token's display name (`root`, `token`, `token-<name>`), for the audit log. */
  displayName: string
}

/**
 * Resolves a presented token to its entry, or `undefined` when unknown/expired/revoked: at once
 * when the token store's cache knows it (no promise on the hot path), else as a promise.
 */
export type Authenticate = (token: string) => RequestToken | undefined | Promise<RequestToken | undefined>

/**
 * The ACL decision of an authenticated request: returns at once (or throws) when decided from
 * caches, else a promise settling when decided.
 */
export type Authorize = (request: FastifyRequest, config: FastifyContextConfig) => void | Promise<void>

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on authenticated routes. */
    vaultToken?: RequestToken
    /** The raw token presented, for endpoints that act on the caller's own token. */
    vaultTokenId?: string
    /**
     * The matched route's config (`routeOptions.config`, which holds the route's `url` template),
     * kept by the pipeline for later hooks: Fastify builds `routeOptions` afresh on each access.
     * Unset for a 404 or a request refused before its route was looked at.
     */
    vaultRouteConfig?: FastifyContextConfig & { url?: string }
  }
  interface FastifyContextConfig {
    /** No token needed (health, seal-status, leader, activation flags ...). */
    unauthenticated?: boolean
  }
  interface FastifyInstance {
    /**
     * Checks the request pipeline runs last in its one `onRequest` step (after the token and the
     * ACL; for every request, authenticated or not), e.g. the `sys/sync` activation gate. A check
     * throws (or rejects with) a `VaultError` to refuse the request; synchronous when what it
     * reads is cached, a promise only on a cache miss.
     */
    vaultGates: Array<(request: FastifyRequest) => void | Promise<void>>
  }
}

const NAMESPACES_IGNORED = new Set(['', 'root', 'root/', '/'])

/** True when `value` is a duration of 0 (`"0"`, `"0s"`): a wrap TTL asking for no wrapping. */
function isZeroDuration (value: string): boolean {
  try {
    return parseDurationSeconds(value) === 0
  } catch {
    return false
  }
}

/** The client token: `X-Vault-Token`, else `Authorization: Bearer <t>` (§1.3). */
export function tokenFromRequest (request: FastifyRequest): string | undefined {
  const header = request.headers['x-vault-token']
  const vaultToken = Array.isArray(header) ? header[0] : header
  if (vaultToken !== undefined && vaultToken !== '') return vaultToken
  const auth = request.headers.authorization
  if (auth !== undefined && auth.startsWith('Bearer ')) {
    const t = auth.slice('Bearer '.length).trim()
    if (t !== '') return t
  }
  return undefined
}

/**
 * Parses a JSON request body as Vault does (`http/handler.go` `parseJSONRequest`), whatever the
 * Content-Type (a form body goes to `form-body.ts` instead); empty = no data; a value that is
 * not a JSON object is a 400 (§1.4). The listener's JSON limits are checked
 * first, on the text (`json-limits.ts`).
 * @throws VaultError 400 `failed to parse JSON input: ...` (a limit: the text names it)
 */
export function parseVaultBody (text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined
  const over = jsonLimitError(text, limits)
  if (over !== undefined) throw badRequest(`failed to parse JSON input: ${over}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    // V8's message quotes the input around the fault: give only where it is.
    const at = /position (\d+)/.exec((err as Error).message)
    throw badRequest(`failed to parse JSON input: ${at !== null ? `invalid JSON at position ${at[1]}` : 'unexpected end of JSON input'}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed
    throw badRequest(`failed to parse JSON input: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`)
  }
  // Vault's field parser treats JSON null as "not provided" (hvac sends explicit nulls).
  const body = parsed as Record<string, unknown>
  // Only a text holding `null` can hold a null field (most bodies: no key list to walk).
  if (!text.includes('null')) return body
  let dropped: string[] | undefined
  for (const key of Object.keys(body)) {
    if (body[key] === null) { delete body[key]; (dropped ??= []).push(key) }
  }
  if (dropped !== undefined) Object.defineProperty(body, NULL_FIELDS, { value: dropped })
  return body
}

/**
 * The names of the top-level fields a JSON body gave as `null` (`parseVaultBody` drops them), on
 * the body as a non-enumerable property: Vault's framework still counts them in its "unrecognized
 * parameters" warning (sdk/framework/backend.go builds `ignored` from every key of the request).
 */
export const NULL_FIELDS: unique symbol = Symbol('vault-sync.nullFields')

/**
 * The body of a request that sent none (or only whitespace): `{}` for methods that carry data,
 * so handlers and schema validation see an empty object; none for GET and HEAD.
 */
function emptyBody (method: string): Record<string, unknown> | undefined {
  return method === 'GET' || method === 'HEAD' ? undefined : {}
}

function mediaType (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const t = header.split(';')[0].trim().toLowerCase()
  return t === '' ? undefined : t
}

function validationMessage (err: FastifyError): string {
  const v = err.validation?.[0]
  if (v === undefined) return err.message
  const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.')
  const missing = (v.params as { missingProperty?: string }).missingProperty
  const field = missing ?? (path !== '' ? path : (err.validationContext ?? 'body'))
  if (missing !== undefined) return `missing required field "${field}"`
  return `Field validation failed: error converting input for field "${field}": ${v.message ?? 'invalid value'}`
}

/**
 * Installs the conventions on the root instance (not encapsulated, so every route gets them).
 * Call before registering routes.
 */
export function installVaultHttp (app: FastifyInstance, opts: { authenticate: Authenticate, authorize?: Authorize, jsonLimits?: JsonLimits }): void {
  const limits = opts.jsonLimits ?? DEFAULT_JSON_LIMITS
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    try {
      const text = body as string
      // Vault reads a form only on POST and PUT (`http/logical.go`); everything else is JSON.
      const type = request.headers['content-type']
      const form = type !== undefined && (request.method === 'POST' || request.method === 'PUT') && isForm(type, text)
      done(null, (form ? parseFormBody(text, request.originalUrl) : parseVaultBody(text, limits)) ?? emptyBody(request.method))
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  const gates: FastifyInstance['vaultGates'] = []
  app.decorate('vaultGates', gates)
  /**
   * Runs the gates in order, then `done`; a gate answering a promise (its state not cached:
   * a storage read) is awaited, and its rejection goes to `done`.
   */
  const passGates = (request: FastifyRequest, done: (err?: Error) => void, from = 0): void => {
    for (let i = from; i < gates.length; i++) {
      const passed = gates[i](request)
      if (passed instanceof Promise) {
        passed.then(() => { passGates(request, done, i + 1) }).catch(done)
        return
      }
    }
    done()
  }

  /** The rest of the pipeline once the token's entry is known: the ACL decision, then the gates. */
  const afterToken = (request: FastifyRequest, config: FastifyContextConfig, token: string, entry: RequestToken | undefined, done: (err?: Error) => void): void => {
    if (entry === undefined) throw invalidToken()
    request.vaultToken = entry
    request.vaultTokenId = token
    const decided = opts.authorize?.(request, config)
    if (decided instanceof Promise) {
      decided.then(() => { passGates(request, done) }).catch(done)
      return
    }
    passGates(request, done)
  }

  // The request pipeline's one `onRequest` step, synchronous when the token and its ACL come from
  // the caches (no promise per request; a cache miss awaits the Store, issue 18): the
  // canonical target's verdict, the Vault header and query rules, the token, then the ACL
  // decision (`authorize`), then the gates, all on the one canonical path computed by `rewriteUrl`.
  app.addHook('onRequest', (request, reply, done) => {
    // A write without a body has empty data (the parser keeps this default for an empty body).
    request.body = emptyBody(request.method)
    // A target refused by the canonicalizer (`request-target.ts`) is answered before anything else.
    const refused = requestTarget(request).reject
    if (refused?.location !== undefined) {
      // Go's http.Redirect, as Vault's ServeMux answers an unclean path.
      const html = request.method === 'GET' || request.method === 'HEAD'
      reply.code(301).header('location', refused.location)
      if (html) reply.header('content-type', 'text/html; charset=utf-8')
      reply.send(html ? `<a href="${refused.location.replace(/[<>"&']/g, (c) => `&#${c.charCodeAt(0)};`)}">Moved Permanently</a>.\n\n` : '')
      return
    }
    if (refused !== undefined) throw new VaultError(refused.status, refused.errors)
    const ns = request.headers['x-vault-namespace']
    if (typeof ns === 'string' && !NAMESPACES_IGNORED.has(ns)) throw badRequest('namespaces are not supported')
    const list = (request.query as Record<string, unknown> | undefined)?.list
    if (typeof list === 'string' && parseGoBool(list) === undefined) throw new VaultError(400, [])
    if (request.method === 'PATCH') {
      const type = mediaType(request.headers['content-type'])
      if (type === undefined) throw badRequest('mime: no media type')
      if (type !== 'application/merge-patch+json') {
        throw new VaultError(415, [`PATCH requires Content-Type of application/merge-patch+json, provided ${type}`])
      }
    }
    if (request.is404) { passGates(request, done); return }
    // Fastify builds `routeOptions` afresh on each access: read once.
    const config = request.routeOptions.config
    request.vaultRouteConfig = config
    if (config.unauthenticated === true) { passGates(request, done); return }
    // A client asking for a wrapped answer must not get the secret in clear instead (§1.3 allows
    // this refusal or ignoring the header; ignoring it would hand out what the client meant to
    // hide). A TTL of 0 asks for no wrapping, as in Vault; status endpoints never look.
    const wrapTtl = request.headers['x-vault-wrap-ttl']
    if (typeof wrapTtl === 'string' && wrapTtl !== '' && !isZeroDuration(wrapTtl)) throw badRequest('response wrapping is not supported')
    const token = tokenFromRequest(request)
    if (token === undefined) throw permissionDenied()
    // Synchronous on a cache hit; a miss awaits the token store (then the same steps follow).
    const entry = opts.authenticate(token)
    if (entry instanceof Promise) {
      entry.then((e) => { afterToken(request, config, token, e, done) }).catch(done)
      return
    }
    afterToken(request, config, token, entry, done)
  })

  app.addHook('onSend', (_request, reply, payload, done) => {
    // hvac reads `errors` only when the type is exactly this string (§1.5). Other types (the
    // HTML and assets of the API reference page) are left alone.
    const type = reply.getHeader('content-type')
    if (type === undefined || String(type).startsWith('application/json')) reply.header('content-type', 'application/json')
    reply.header('cache-control', 'no-store')
    // Where Fastify puts a buffer's length, after the hooks' headers: same header bytes.
    if (payload instanceof PiecesPayload) reply.header('content-length', String(payload.byteLength))
    done(null, payload)
  })

  app.setErrorHandler(async (err: FastifyError | VaultError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof VaultError) return reply.code(err.status).send({ errors: err.errors })
    if (err.validation !== undefined) return reply.code(400).send({ errors: [validationMessage(err)] })
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ errors: ['http: request body too large'] })
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ errors: [err.message] })
    }
    request.log.error({ err }, 'request failed')
    const e = internalError()
    return reply.code(e.status).send({ errors: e.errors })
  })

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ errors: [] }))
}
