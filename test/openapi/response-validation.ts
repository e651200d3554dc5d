/**
 * The shared response-validation hook (issue 7, decisions D-32.3): every response a Vault app
 * sends under `/v1/` in a test process is checked against `openapi.yaml` for the operation
 * that served it and its status. `test/helper.ts` installs it (never `src/`): it subscribes to
 * Fastify's `fastify.initialization` diagnostics channel, so every app built in the process
 * (by `startTestServer`, `buildApp`, `startServer`) gets the `onSend` hook before its routes.
 *
 * The operation is the one the matched route declares (`schema.openapi`) for the method
 * (PUT = POST, HEAD = GET, LIST = GET `?list=true`), chosen by path template when a wildcard
 * route declares several. A response that does not match fails loudly: it is replaced by a 500
 * naming the problem, printed to stderr, and the process exits non-zero at the end. Fix the
 * document (the route's schemas), not the hook, when a real response disagrees.
 */
import { channel } from 'node:diagnostics_channel'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { DocMethod, OperationDoc } from '../../src/openapi/route-doc.js'
import { payloadBytes } from '../../src/vault/pieces-payload.js'
import { isListRequest } from '../../src/vault/request-target.js'
import { bodyValidator, declaredResponse, documentIndex, errorText, unroutedValidator, type DocOperation } from './document-index.js'

/** Real bodies seen per `"<operationId> <status>"` (a few each), for the examples test. */
export const recorded = new Map<string, unknown[]>()
/** How many responses matched each `"<operationId> <status>"`. */
export const answered = new Map<string, number>()
/** Every mismatch seen in this process. */
export const violations: string[] = []

const DOC_METHOD: Record<string, DocMethod> = { GET: 'get', HEAD: 'get', POST: 'post', PUT: 'post', PATCH: 'patch', DELETE: 'delete' }

/**
 * `^...$` for a documented path template. Parameters may span `/` (KV paths, mount paths) and be
 * empty (`LIST secret/metadata/` lists the mount root); a trailing `/` belongs to LIST paths only.
 */
function templateRegex (path: string): RegExp {
  const folder = /\{[^}]+\}\/$/.test(path) // `.../{path}/`: the folder may be the root
  const template = folder ? path.replace(/\{[^}]+\}\/$/, '') : path
  const body = template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*)')
  return new RegExp(`^${body}${folder ? '(?:.*/)?' : path.endsWith('/') ? '' : '(?<!/)'}$`)
}

/**
 * The documented operations that may have served this request: the one the matched route
 * declares for the method, or, when a wildcard route declares several (`sys/mounts/*`, the KV
 * mount dispatch), those whose LIST flag and path template fit, most literal template first.
 */
function candidates (request: FastifyRequest): DocOperation[] {
  const docs = request.is404 ? undefined : request.routeOptions.schema?.openapi
  if (docs === undefined || 'hidden' in docs) return []
  const method = DOC_METHOD[request.method]
  const routeMethods = ([] as string[]).concat(request.routeOptions.method ?? []).map((m) => DOC_METHOD[m])
  let mine = docs.operations.filter((op: OperationDoc) => (op.method ?? routeMethods[0]) === method)
  if (mine.length > 1) {
    const list = isListRequest(request)
    const raw = request.url.split('?')[0].replace(/^\/v1/, '')
    let path = raw
    try { path = decodeURIComponent(raw) } catch { /* an undecodable path matches the raw text */ }
    const literal = (op: OperationDoc): number => (op.path ?? '').replace(/\{[^}]+\}/g, '').length
    mine = mine.filter((op) => (op.list === true) === list && (op.path === undefined || templateRegex(op.path).test(path)))
      .sort((a, b) => literal(b) - literal(a))
  }
  const { byId } = documentIndex()
  return mine.map((op) => byId.get(op.operationId) ?? { operationId: op.operationId, method, path: '?', operation: { responses: {} }, missing: true } as DocOperation)
}

/** The problem with one response for one operation, or undefined when it matches. */
function problemWith (op: DocOperation, status: number, head: boolean, text: string): string | undefined {
  if ((op as { missing?: boolean }).missing === true) return `openapi.yaml has no operation ${op.operationId}: run npm run openapi`
  const declared = declaredResponse(op, status)
  if (declared === undefined) return `status ${status} is not declared`
  const key = `${op.operationId} ${status}`
  const matched = (): undefined => { answered.set(key, (answered.get(key) ?? 0) + 1); return undefined }
  if (head) return matched()
  if (text === '') return declared.content === undefined || declared['x-vault-empty-body'] === true ? matched() : 'empty body, but a body is declared'
  if (declared.content === undefined) return `a body was sent, but ${status} is declared without one`
  const validate = bodyValidator(op, status)
  let body: unknown
  try { body = JSON.parse(text) } catch { body = undefined }
  // A declared text/plain body (`sys/metrics`) takes any text that is not the JSON alternative.
  if ((body === undefined || validate === undefined) && declared.content['text/plain'] !== undefined) return matched()
  if (validate === undefined) return 'a JSON body was sent, but only text/plain is declared'
  if (body === undefined) return 'the body is not JSON'
  if (validate(body)) {
    const seen = recorded.get(key) ?? []
    if (seen.length < 20) recorded.set(key, [...seen, body])
    return matched()
  }
  return errorText(validate)
}

/** Checks one response; returns the violation text or undefined. */
export function checkResponse (request: FastifyRequest, status: number, payload: unknown): string | undefined {
  const bytes = payloadBytes(payload) // a string, a Buffer, or an answer sent as its pieces
  const text = bytes !== undefined ? bytes.toString() : payload === undefined || payload === null ? '' : String(payload)
  const where = `${request.method} ${request.url} -> ${status}`
  const ops = candidates(request)
  if (ops.length === 0) {
    if (status < 400) return `${where}: answered by no documented operation`
    if (text === '') return undefined
    const v = unroutedValidator()
    return v(JSON.parse(text)) ? undefined : `${where}: not an error body: ${errorText(v)}`
  }
  const problems: string[] = []
  for (const op of ops) {
    const p = problemWith(op, status, request.method === 'HEAD', text)
    if (p === undefined) return undefined
    problems.push(`${op.operationId}: ${p}`)
  }
  return `${where} does not match openapi.yaml: ${problems.join(' | ')}`
}

async function onSend (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (!this.hasDecorator('vaultRoutes') || !request.url.startsWith('/v1/')) return payload
  const problem = checkResponse(request, reply.statusCode, payload)
  if (problem === undefined) return payload
  violations.push(problem)
  process.stderr.write(`\nOPENAPI RESPONSE VALIDATION FAILED: ${problem}\n  body: ${String(payload).slice(0, 2000)}\n`)
  reply.code(500)
  return JSON.stringify({ errors: [`openapi response validation: ${problem}`] })
}

let installed = false

/** Installs the hook on every Fastify app created from now on in this process (idempotent). */
export function installResponseValidation (): void {
  if (installed) return
  installed = true
  channel('fastify.initialization').subscribe((message) => {
    (message as { fastify: FastifyInstance }).fastify.addHook('onSend', onSend)
  })
  process.on('exit', () => {
    if (violations.length === 0) return
    process.stderr.write(`\n${violations.length} response(s) did not match openapi.yaml:\n${violations.map((v) => `  - ${v}`).join('\n')}\n`)
    process.exitCode = 1
  })
}
