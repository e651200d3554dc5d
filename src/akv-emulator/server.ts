/**
 * One HTTPS listener: a Fastify instance serving one vault's data plane, Entra, and the admin API.
 * Bodies are read as raw strings so each family validates them itself (Key Vault must answer the
 * challenge before looking at a body). Every error, including Fastify's own (bad URL, body too
 * large, bad media type), leaves as the family's JSON error body; nothing crashes the process.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { randomUUID } from 'node:crypto'
import { registerAdminRoutes } from './admin-routes.js'
import { requestOrigin, type EmulatorCore, type VaultRuntime } from './core.js'
import { registerEntraRoutes } from './entra-routes.js'
import { AdminErrors, AzureErrors, EmulatorHttpError, EntraErrors, kvError } from './errors.js'
import { familyOf, pathOf, type AkvRequestState, type Family } from './request-state.js'
import { registerSecretRoutes } from './secret-routes.js'
import { logRequest, vaultGate } from './vault-gate.js'

/** Largest accepted request body: a restore of a 500-version backup fits comfortably. */
export const BODY_LIMIT = 32 * 1024 * 1024

const VAULT_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache',
  pragma: 'no-cache',
  expires: '-1',
  'x-ms-keyvault-region': 'local',
  'x-ms-keyvault-service-version': '1.9.0.0 (vault-sync emulator)',
  'strict-transport-security': 'max-age=31536000;includeSubDomains',
  'x-content-type-options': 'nosniff'
}

/** Maps any thrown value to the family's HTTP error. */
function toHttpError (err: unknown, family: Family, request: FastifyRequest, core: EmulatorCore): EmulatorHttpError {
  if (err instanceof EmulatorHttpError) return err
  const fe = err as Partial<FastifyError>
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return family === 'vault' ? AzureErrors.bodyTooLarge(BODY_LIMIT) : family === 'entra' ? EntraErrors.badRequest('The request body is too large.') : AdminErrors.badRequest('The request body is too large.')
  }
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : undefined
  const userError = err instanceof RangeError || err instanceof TypeError || err instanceof SyntaxError || fe.validation !== undefined
  if (family === 'admin' && (userError || status !== undefined)) return AdminErrors.badRequest((err as Error).message)
  if (status !== undefined) {
    if (family === 'entra') return EntraErrors.badRequest(fe.message ?? 'Bad request.')
    return kvError(status, status === 415 ? 'UnsupportedMediaType' : 'BadParameter', fe.message ?? 'Bad request.')
  }
  core.logger.error({ err: { message: (err as Error)?.message, stack: (err as Error)?.stack }, method: request.method, path: pathOf(request.url) }, 'akv emulator: internal error')
  return family === 'entra' ? EntraErrors.internal() : AzureErrors.internal()
}

async function sendError (reply: FastifyReply, e: EmulatorHttpError): Promise<FastifyReply> {
  return await reply.code(e.status).headers(e.headers).type('application/json; charset=utf-8').send(e.body)
}

/** Builds (does not listen) the Fastify app for `vault` with TLS `key`/`cert`. */
export function buildListener (core: EmulatorCore, vault: VaultRuntime, tls: { key: string, cert: string }): FastifyInstance {
  const app = Fastify({
    https: { key: tls.key, cert: tls.cert },
    logger: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 4096 },
    forceCloseConnections: true,
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => {
      const family = request.url?.startsWith('/_emulator') === true ? 'admin' : 'vault'
      void sendError(reply, family === 'admin' ? AdminErrors.badRequest(error.message) : AzureErrors.badParameter(error.message))
    }
  })
  app.decorateRequest('akv', null as unknown as AkvRequestState)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })

  app.addHook('onRequest', async (request, reply) => {
    request.akv = {
      family: familyOf(request),
      vault,
      origin: requestOrigin(request.headers.host, vault.uri),
      started: performance.now(),
      op: request.routeOptions.config?.op
    }
    if (request.akv.family === 'vault' && await vaultGate(core, request, reply)) return reply
  })
  app.addHook('onSend', async (request, reply, payload) => {
    const family = request.akv?.family
    if (family === 'vault') reply.headers({ ...VAULT_HEADERS, 'x-ms-request-id': randomUUID() })
    if (family === 'entra') reply.headers({ 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'x-ms-request-id': randomUUID() })
    return payload
  })
  app.addHook('onResponse', async (request, reply) => { logRequest(core, request, reply.statusCode) })

  app.setErrorHandler(async (err, request, reply) => sendError(reply, toHttpError(err, request.akv?.family ?? familyOf(request), request, core)))
  app.setNotFoundHandler(async (request, reply) => {
    const family = request.akv?.family ?? familyOf(request)
    const path = pathOf(request.url)
    return await sendError(reply, family === 'admin' ? AdminErrors.notFound(`${request.method} ${path}`) : AzureErrors.notFound(request.method, path))
  })

  registerSecretRoutes(app, core)
  registerEntraRoutes(app, core)
  registerAdminRoutes(app, core)
  return app
}
