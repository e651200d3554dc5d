/**
 * A Vault path whose only operation is a list (vault/token_store.go's `accessors/$` and
 * `roles/?$`): the LIST verb and `?list=true` arrive at the trailing-slash URL (decisions D-10)
 * and list; a plain GET there, or at the URL without the slash, is Vault's 405 `unsupported
 * operation`, as its path has no read.
 */
import type { FastifyInstance } from 'fastify'
import { documented, hidden, type OperationDoc } from '../src/openapi/route-doc.js'
import { list } from '../src/vault/envelope.js'
import { unsupportedOperation } from '../src/vault/errors.js'
import { isListRequest } from '../src/vault/request-target.js'

/**
 * Registers the list at `${url}/` (documented by `op`, a LIST operation) answering `keys()`, and
 * the 405 at `url`.
 */
export function listOnlyRoute (app: FastifyInstance, url: string, op: Omit<OperationDoc, 'list'>, keys: () => Promise<string[]>): void {
  app.get(`${url}/`, { schema: { openapi: documented({ ...op, list: true }) } }, async (request) => {
    if (!isListRequest(request)) throw unsupportedOperation()
    return list(request, await keys())
  })
  app.get(url, { schema: { openapi: hidden('Vault has no read here: 405 (the list is at the trailing-slash path)') } }, async () => { throw unsupportedOperation() })
}
