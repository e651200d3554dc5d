/**
 * The ONE canonical request path (issue 13 finding 1). Fastify's `rewriteUrl` calls
 * `canonicalizeRequest` before routing, so routing, mount dispatch, the ACL, the existence
 * checks, the `associations/set` read check and the audit log all see the same path, decoded
 * exactly once; a route cannot opt out because the router itself only ever sees the rewritten
 * URL.
 *
 * Rules (Vault's listener + Go's `net/http` ServeMux, which Vault's handler sits behind):
 * - methods other than GET, HEAD, POST, PUT, PATCH, DELETE (LIST is rewritten to GET at the
 *   socket, `list-verb.ts`) are 405 `{"errors":[]}`, as Vault's `handleLogical` answers;
 * - a target with `#` (Go keeps it in the path; Node's router would cut it off), a raw or
 *   percent-encoded NUL, an invalid percent-escape, or not in origin form (`/…`) is 400;
 * - a `..` segment (also spelled `%2e%2e`) is 400 `invalid path: ".." segments are not allowed`
 *   (decisions D-17.4);
 * - any other path that cleaning changes (`//`, `/./`, also spelled with `%2F`, `%2e`) is
 *   answered like Go's ServeMux (and Vault since 1.19.19): 301 to the cleaned path, query kept;
 * - list requests (`LIST`, or GET with `list` parsing true with Go's ParseBool) gain a
 *   trailing `/` (spec/vault-core-kv-api.md §1.2, decisions D-10).
 * The router is given the canonical path re-encoded so that its own single decoding gives back
 * the canonical path (`%`, `?`, `#` and non-printable characters escaped).
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'
import { parseGoBool } from './parse-bool.js'

/** What the canonicalizer decided for one request (kept on the raw request). */
export interface RequestTarget {
  /** The decoded, clean path with its leading `/` (list requests end in `/`). */
  path: string
  /** The path after `/v1/` (Vault's request path), or `undefined` outside `/v1/`. */
  vaultPath: string | undefined
  /** True for a Vault list operation. */
  list: boolean
  /** Set when the request must be answered before any handler. */
  reject?: { status: 301 | 400 | 405, errors: string[], location?: string }
}

const TARGET = Symbol('vault-request-target')
type Marked = IncomingMessage & { [TARGET]?: RequestTarget }

/** Methods Vault's HTTP layer serves; any other is a 405. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
const SAFE_CHARS = /^\/[\w\-~!$&'()*+,;=:@./]*$/
/** A path that needs no decoding nor cleaning: safe ASCII, no `%`, no empty or dot-led segment. */
const plain = (p: string): boolean => SAFE_CHARS.test(p) && !p.includes('//') && !p.includes('/.')
/** The URL the router gets for a request answered before any handler: it matches no route. */
const NO_ROUTE = '/'

/** Go's `path.Clean` plus ServeMux's rule that a trailing slash is kept. */
export function cleanPath (p: string): string {
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  const cleaned = '/' + out.join('/')
  return p.endsWith('/') && cleaned !== '/' ? cleaned + '/' : cleaned
}

/** The path re-encoded for the router: its one decoding gives `path` back. */
function encodeForRouter (path: string): string {
  return path.replace(/[^\x21-\x7e]|[%?#]/gu, (c) => encodeURIComponent(c))
}

function rejected (req: Marked, target: RequestTarget['reject']): string {
  req[TARGET] = { path: NO_ROUTE, vaultPath: undefined, list: false, reject: target }
  return NO_ROUTE
}

function isListQuery (query: string): boolean {
  if (!query.includes('list')) return false
  const list = new URLSearchParams(query).get('list')
  return list !== null && parseGoBool(list) === true
}

/**
 * Fastify's `rewriteUrl`: computes the request's `RequestTarget` once and returns the URL to
 * route (or a URL matching no route when the request is to be refused; `answerRejected`
 * answers it in the first `onRequest` hook).
 */
export function canonicalizeRequest (req: IncomingMessage): string {
  const marked = req as Marked
  const raw = req.url ?? '/'
  if (!METHODS.has(req.method ?? '')) return rejected(marked, { status: 405, errors: [] })
  const q = raw.indexOf('?')
  const rawPath = q < 0 ? raw : raw.slice(0, q)
  const query = q < 0 ? '' : raw.slice(q + 1)
  if (raw.includes('#')) return rejected(marked, { status: 400, errors: ['invalid request target: a "#" fragment is not allowed'] })
  if (!rawPath.startsWith('/')) return rejected(marked, { status: 400, errors: ['invalid request target'] })
  let path = rawPath
  let routed = rawPath
  if (!plain(rawPath)) {
    try {
      path = decodeURIComponent(rawPath)
    } catch {
      return rejected(marked, { status: 400, errors: ['invalid URL escape in request path'] })
    }
    if (path.includes('\0')) return rejected(marked, { status: 400, errors: ['invalid request target: NUL in path'] })
    // decisions D-17.4: a `..` segment is a 400, however it was spelled.
    if (path.split('/').includes('..')) return rejected(marked, { status: 400, errors: ['invalid path: ".." segments are not allowed'] })
    const clean = cleanPath(path)
    if (clean !== path) {
      const location = encodeForRouter(clean) + (q < 0 ? '' : `?${query}`)
      return rejected(marked, { status: 301, errors: [], location })
    }
    routed = encodeForRouter(path)
  }
  const list = req.method === 'GET' && isListQuery(query)
  if (list && !path.endsWith('/')) { path += '/'; routed += '/' }
  const vaultPath = path.startsWith('/v1/') ? path.slice(4) : undefined
  marked[TARGET] = { path, vaultPath, list }
  return q < 0 ? routed : `${routed}?${query}`
}

/** The request's canonical target (computed by `canonicalizeRequest`; `inject()` runs it too). */
export function requestTarget (request: FastifyRequest): RequestTarget {
  const t = (request.raw as Marked)[TARGET]
  if (t !== undefined) return t
  // Only reachable if the app was built without `rewriteUrl`: compute it now.
  canonicalizeRequest(request.raw)
  return (request.raw as Marked)[TARGET]!
}

/** Vault's request path (after `/v1/`, decoded once, list requests ending in `/`); `''` outside `/v1/`. */
export function vaultPath (request: FastifyRequest): string {
  return requestTarget(request).vaultPath ?? ''
}

/** True when the request is a Vault list operation (LIST verb or `?list=<true>`). */
export function isListRequest (request: FastifyRequest): boolean {
  return requestTarget(request).list
}
