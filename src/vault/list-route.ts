/**
 * Vault's list routing (spec/vault-core-kv-api.md §1.2, decisions D-10): a request is a list
 * when its verb was `LIST` (rewritten to `GET ?list=true` by `list-verb.ts`) or its `list`
 * query parses true with Go's ParseBool; Vault then adds a trailing `/` to the path. Fastify's
 * `rewriteUrl` option calls `rewriteListUrl`, so list routes are registered at the
 * trailing-slash URL and read routes without it.
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'
import { parseGoBool } from './parse-bool.js'

const LIST_MARK = Symbol('vault-list')

/** Returns the URL to route: the path gains a trailing `/` for list requests. */
export function rewriteListUrl (req: IncomingMessage): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  if (q < 0 || req.method !== 'GET') return url
  const params = new URLSearchParams(url.slice(q + 1))
  const list = params.get('list')
  if (list === null || parseGoBool(list) !== true) return url
  ;(req as IncomingMessage & { [LIST_MARK]?: boolean })[LIST_MARK] = true
  const path = url.slice(0, q)
  return path.endsWith('/') ? url : `${path}/${url.slice(q)}`
}

/** True when the request is a Vault list operation (LIST verb or `?list=<true>`). */
export function isListRequest (request: FastifyRequest): boolean {
  return (request.raw as IncomingMessage & { [LIST_MARK]?: boolean })[LIST_MARK] === true
}
